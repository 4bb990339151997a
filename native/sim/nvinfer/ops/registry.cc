// createOp / supportedOps: maps ONNX op types (default domain) to the op families' factories.
#include <atomic>
#include <map>

#include "common.h"

namespace trtsim {
namespace {

using Factory = std::unique_ptr<Op> (*)(std::string const&, Attributes const&, int64_t);

std::map<std::string, Factory> const& registry() {
  // Never destroyed: kernels may still run on detached stream threads while the process exits.
  static auto const* r = [] {
    auto* m = new std::map<std::string, Factory>();
    for (char const* t : {"Add", "Sub", "Mul", "Div", "Mod", "Pow", "PRelu", "Equal", "Less", "Greater", "LessOrEqual",
                          "GreaterOrEqual", "And", "Or", "Xor", "Not", "Where", "IsNaN", "IsInf"})
      (*m)[t] = &ops::makeElementwiseOp;
    for (char const* t : {"Relu", "Sigmoid", "Tanh", "Sqrt", "Exp", "Log", "Neg", "Abs", "Erf", "Gelu", "LeakyRelu", "Elu",
                          "HardSigmoid", "HardSwish", "Softplus", "Floor", "Ceil", "Round", "Reciprocal", "Sign", "Sin", "Cos",
                          "Selu", "Celu", "Softsign", "ThresholdedRelu", "Mish", "Shrink", "Tan", "Asin", "Acos", "Atan", "Sinh",
                          "Cosh", "Asinh", "Acosh", "Atanh"})
      (*m)[t] = &ops::makeActivationOp;
    for (char const* t : {"Softmax", "LogSoftmax"}) (*m)[t] = &ops::makeSoftmaxOp;
    (*m)["MatMul"] = &ops::makeMatMulOp;
    (*m)["Einsum"] = &ops::makeEinsumOp;
    (*m)["Gemm"] = &ops::makeGemmOp;
    (*m)["Gather"] = &ops::makeGatherOp;
    for (char const* t : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
                          "ReduceSumSquare", "ReduceLogSumExp", "ReduceLogSum"})
      (*m)[t] = &ops::makeReduceOp;
    (*m)["LayerNormalization"] = &ops::makeLayerNormOp;
    (*m)["Cast"] = &ops::makeCastOp;
    (*m)["CastLike"] = &ops::makeCastLikeOp;
    (*m)["EyeLike"] = &ops::makeEyeLikeOp;
    (*m)["GatherND"] = &ops::makeGatherNDOp;
    (*m)["ReverseSequence"] = &ops::makeReverseSequenceOp;
    for (char const* t : {"LSTM", "GRU", "RNN"}) (*m)[t] = &ops::makeRecurrentOp;
    (*m)["If"] = &ops::makeIfOp;
    (*m)["Loop"] = &ops::makeLoopOp;
    (*m)["Scan"] = &ops::makeScanOp;
    (*m)["NonZero"] = &ops::makeNonZeroOp;
    (*m)["NonMaxSuppression"] = &ops::makeNonMaxSuppressionOp;
    (*m)["Clip"] = &ops::makeClipOp;
    (*m)["Slice"] = &ops::makeSliceOp;
    (*m)["Expand"] = &ops::makeExpandOp;
    (*m)["Range"] = &ops::makeRangeOp;
    (*m)["Conv"] = &ops::makeConvOp;
    (*m)["ConvTranspose"] = &ops::makeConvTransposeOp;
    for (char const* t : {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool", "GlobalLpPool"})
      (*m)[t] = &ops::makePoolOp;
    (*m)["BatchNormalization"] = &ops::makeBatchNormOp;
    (*m)["Pad"] = &ops::makePadOp;
    for (char const* t : {"Max", "Min", "Sum", "Mean"}) (*m)[t] = &ops::makeVariadicOp;
    for (char const* t : {"ArgMax", "ArgMin"}) (*m)[t] = &ops::makeArgExtremeOp;
    (*m)["Hardmax"] = &ops::makeHardmaxOp;
    (*m)["LRN"] = &ops::makeLrnOp;
    (*m)["LpNormalization"] = &ops::makeLpNormalizationOp;
    (*m)["MeanVarianceNormalization"] = &ops::makeMeanVarianceNormalizationOp;
    (*m)["ConstantOfShape"] = &ops::makeConstantOfShapeOp;
    for (char const* t : {"QuantizeLinear", "DequantizeLinear"}) (*m)[t] = &ops::makeQuantizeOp;
    (*m)["Tile"] = &ops::makeTileOp;
    (*m)["Dropout"] = &ops::makeDropoutOp;
    (*m)["Trilu"] = &ops::makeTriluOp;
    (*m)["OneHot"] = &ops::makeOneHotOp;
    (*m)["Resize"] = &ops::makeResizeOp;
    (*m)["Upsample"] = &ops::makeUpsampleOp;
    (*m)["GridSample"] = &ops::makeGridSampleOp;
    for (char const* t : {"ScatterND", "ScatterElements"}) (*m)[t] = &ops::makeScatterOp;
    // Scatter (opsets 9 and 10) is ScatterElements under its old name, as the parser imports it.
    (*m)["Scatter"] = [](std::string const&, Attributes const& attrs, int64_t opset) { return ops::makeScatterOp("ScatterElements", attrs, opset); };
    for (char const* t : {"DepthToSpace", "SpaceToDepth"}) (*m)[t] = &ops::makeDepthSpaceOp;
    for (char const* t : {"InstanceNormalization", "GroupNormalization"}) (*m)[t] = &ops::makeGroupNormOp;
    (*m)["CumSum"] = &ops::makeCumSumOp;
    (*m)["TopK"] = &ops::makeTopKOp;
    (*m)["GatherElements"] = &ops::makeGatherElementsOp;
    (*m)["Split"] = nullptr;  // createOp passes it the node's output count
    for (char const* t : {"Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Shape", "Size"})
      (*m)[t] = &ops::makeShapeOp;
    return m;
  }();
  return *r;
}

}  // namespace

namespace {
std::atomic<PluginOpFactory> gPluginOpFactory{nullptr};
}  // namespace

void setPluginOpFactory(PluginOpFactory factory) { gPluginOpFactory = factory; }
PluginOpFactory pluginOpFactory() { return gPluginOpFactory.load(); }

std::unique_ptr<Op> createOp(std::string const& opType, Attributes const& attrs, int64_t opset, int outputs) {
  auto it = registry().find(opType);
  if (it == registry().end()) throw OpError("unsupported ONNX operator '" + opType + "'");
  try {
    if (opType == "Split") return ops::makeSplitOp(opType, attrs, opset, outputs);
    return it->second(opType, attrs, opset);
  } catch (OpError const& e) {
    // Attribute getters do not know the op: prefix its name when missing.
    std::string msg = e.what();
    if (msg.compare(0, opType.size() + 1, opType + ":") == 0) throw;
    throw OpError(opType + ": " + msg);
  }
}

std::vector<std::string> supportedOps() {
  std::vector<std::string> names;
  for (auto const& kv : registry()) names.push_back(kv.first);
  return names;
}

}  // namespace trtsim
