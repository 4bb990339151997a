#include "network_layers.h"

#include <map>

#include "plugin_registry.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // IPluginV2 and its layer: deprecated, still implemented

namespace trtsim {
namespace {

using nvinfer1::LayerType;

// What every layer knows: its name and type. The strings are copies, so a layer outlives later edits of the graph.
template <typename Interface>
class LayerBase : public Interface, public LayerObject {
 public:
  LayerBase(std::string name, LayerType type) : mName(std::move(name)), mType(type) {}
  nvinfer1::ILayer* layer() noexcept override { return this; }
  LayerType getType() const noexcept override { return mType; }
  char const* getName() const noexcept override { return mName.c_str(); }

 private:
  std::string mName;
  LayerType mType;
};

using OperatorLayer = LayerBase<nvinfer1::ILayer>;

// A V3 plugin object that only tells who it is: the simulator's plugin layers compute through their Op.
class PluginIdentityV3 final : public nvinfer1::IPluginV3, public nvinfer1::IPluginV3OneCore {
 public:
  explicit PluginIdentityV3(PluginKey key) : mKey(std::move(key)) {}
  nvinfer1::InterfaceInfo getInterfaceInfo() const noexcept override { return IPluginV3::getInterfaceInfo(); }
  nvinfer1::IPluginCapability* getCapabilityInterface(nvinfer1::PluginCapabilityType type) noexcept override {
    return type == nvinfer1::PluginCapabilityType::kCORE ? static_cast<IPluginV3OneCore*>(this) : nullptr;
  }
  nvinfer1::IPluginV3* clone() noexcept override { return new (std::nothrow) PluginIdentityV3(mKey); }
  char const* getPluginName() const noexcept override { return mKey.name.c_str(); }
  char const* getPluginVersion() const noexcept override { return mKey.version.c_str(); }
  char const* getPluginNamespace() const noexcept override { return mKey.ns.c_str(); }

 private:
  PluginKey mKey;
};

class PluginIdentityV2 final : public nvinfer1::IPluginV2 {
 public:
  explicit PluginIdentityV2(PluginKey key) : mKey(std::move(key)) {}
  char const* getPluginType() const noexcept override { return mKey.name.c_str(); }
  char const* getPluginVersion() const noexcept override { return mKey.version.c_str(); }
  char const* getPluginNamespace() const noexcept override { return mKey.ns.c_str(); }

 private:
  PluginKey mKey;
};

template <typename LayerInterface, typename Plugin, LayerType kType>
class PluginLayer final : public LayerBase<LayerInterface> {
 public:
  PluginLayer(std::string name, PluginKey key) : LayerBase<LayerInterface>(std::move(name), kType), mPlugin(std::move(key)) {}
  decltype(std::declval<LayerInterface&>().getPlugin()) getPlugin() noexcept override { return mPlugin; }

 private:
  Plugin mPlugin;
};

using PluginV3Layer = PluginLayer<nvinfer1::IPluginV3Layer, PluginIdentityV3, LayerType::kPLUGIN_V3>;
using PluginV2Layer = PluginLayer<nvinfer1::IPluginV2Layer, PluginIdentityV2, LayerType::kPLUGIN_V2>;

std::unique_ptr<LayerObject> makeLayer(std::string const& name, std::string const& opType, PluginKey const& plugin) {
  if (plugin.empty()) return std::make_unique<OperatorLayer>(name, layerTypeOf(opType));
  if (isLegacyPlugin(plugin)) return std::make_unique<PluginV2Layer>(name, plugin);
  return std::make_unique<PluginV3Layer>(name, plugin);
}

void appendSubgraphLayers(Attributes const& attrs, std::vector<std::unique_ptr<LayerObject>>& layers) {
  for (auto const& [_, attribute] : attrs.values) {
    if (!attribute.graph) continue;
    for (SubGraph::Node const& node : attribute.graph->nodes) {
      layers.push_back(makeLayer(node.name, node.opType, node.plugin));
      appendSubgraphLayers(node.attrs, layers);
    }
  }
}

}  // namespace

NetworkLayers::NetworkLayers() = default;
NetworkLayers::~NetworkLayers() = default;

void NetworkLayers::refresh(Graph const& graph) {
  // The parser only appends nodes, so the layers made so far stay valid (and so do pointers to them).
  for (; mNodesSeen < graph.nodes.size(); ++mNodesSeen) {
    NodeDef const& node = graph.nodes[mNodesSeen];
    mLayers.push_back(makeLayer(node.name, node.opType, node.plugin));
    appendSubgraphLayers(node.attrs, mLayers);
  }
}

nvinfer1::ILayer* NetworkLayers::at(int32_t index) const {
  return index >= 0 && index < size() ? mLayers[static_cast<size_t>(index)]->layer() : nullptr;
}

LayerType layerTypeOf(std::string const& opType) {
  static std::map<std::string, LayerType> const* types = [] {
    auto* m = new std::map<std::string, LayerType>();  // never destroyed, as the op registry
    auto set = [&](LayerType type, std::initializer_list<char const*> ops) {
      for (char const* op : ops) (*m)[op] = type;
    };
    set(LayerType::kELEMENTWISE, {"Add", "Sub", "Mul", "Div", "Mod", "Pow", "Equal", "Less", "Greater", "LessOrEqual",
                                  "GreaterOrEqual", "And", "Or", "Xor", "Max", "Min", "Sum", "Mean"});
    set(LayerType::kACTIVATION, {"Relu", "Sigmoid", "Tanh", "LeakyRelu", "Elu", "HardSigmoid", "Softplus", "Selu",
                                 "Softsign", "ThresholdedRelu", "Clip", "Gelu", "Celu"});
    set(LayerType::kUNARY, {"Sqrt", "Exp", "Log", "Neg", "Abs", "Erf", "Floor", "Ceil", "Round", "Reciprocal", "Sign",
                            "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
                            "Not", "IsNaN", "IsInf"});
    set(LayerType::kPARAMETRIC_RELU, {"PRelu"});
    set(LayerType::kSELECT, {"Where"});
    set(LayerType::kSOFTMAX, {"Softmax", "LogSoftmax", "Hardmax"});
    set(LayerType::kMATRIX_MULTIPLY, {"MatMul", "Gemm"});
    set(LayerType::kEINSUM, {"Einsum"});
    set(LayerType::kGATHER, {"Gather", "GatherND", "GatherElements"});
    set(LayerType::kREDUCE, {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                             "ReduceSumSquare", "ReduceLogSumExp", "ReduceLogSum", "GlobalAveragePool", "GlobalMaxPool"});
    set(LayerType::kNORMALIZATION, {"LayerNormalization", "InstanceNormalization", "GroupNormalization",
                                    "MeanVarianceNormalization"});
    set(LayerType::kCAST, {"Cast", "CastLike"});
    set(LayerType::kFILL, {"EyeLike", "Range", "ConstantOfShape"});
    set(LayerType::kREVERSE_SEQUENCE, {"ReverseSequence"});
    set(LayerType::kRECURRENCE, {"LSTM", "GRU", "RNN", "Loop", "Scan"});
    set(LayerType::kCONDITION, {"If"});
    set(LayerType::kNON_ZERO, {"NonZero"});
    set(LayerType::kNMS, {"NonMaxSuppression"});
    set(LayerType::kSLICE, {"Slice", "Expand", "Tile", "Split", "Pad"});
    set(LayerType::kCONVOLUTION, {"Conv"});
    set(LayerType::kDECONVOLUTION, {"ConvTranspose"});
    set(LayerType::kPOOLING, {"MaxPool", "AveragePool", "LpPool", "GlobalLpPool"});
    set(LayerType::kSCALE, {"BatchNormalization"});
    set(LayerType::kTOPK, {"ArgMax", "ArgMin", "TopK"});
    set(LayerType::kLRN, {"LRN"});
    set(LayerType::kQUANTIZE, {"QuantizeLinear"});
    set(LayerType::kDEQUANTIZE, {"DequantizeLinear"});
    set(LayerType::kIDENTITY, {"Identity", "Dropout"});
    set(LayerType::kONE_HOT, {"OneHot"});
    set(LayerType::kRESIZE, {"Resize", "Upsample"});
    set(LayerType::kGRID_SAMPLE, {"GridSample"});
    set(LayerType::kSCATTER, {"ScatterND", "ScatterElements", "Scatter"});
    set(LayerType::kSHUFFLE, {"Reshape", "Flatten", "Transpose", "DepthToSpace", "SpaceToDepth"});
    set(LayerType::kSQUEEZE, {"Squeeze"});
    set(LayerType::kUNSQUEEZE, {"Unsqueeze"});
    set(LayerType::kCONCATENATION, {"Concat"});
    set(LayerType::kSHAPE, {"Shape", "Size"});
    set(LayerType::kCUMULATIVE, {"CumSum"});
    return m;
  }();
  auto it = types->find(opType);
  // Operators TensorRT imports as a composition of layers (LpNormalization, Trilu, Mish, Shrink, HardSwish, ...): the
  // element-wise layer that finishes them.
  return it == types->end() ? LayerType::kELEMENTWISE : it->second;
}

}  // namespace trtsim
