// The simulator's ONNX parser (stand-in for libnvonnxparser): reads ModelProto bytes and fills the simulator's
// network node by node. Errors are IParserError records naming the node index, name and op type, as the real parser
// reports them; parsing stops at the first failing node.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <queue>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../include/NvOnnxParser.h"
#include "../nvinfer/network.h"
#include "onnx_model.h"

namespace trtsim {
namespace {

using nvonnxparser::ErrorCode;

class ParserError : public nvonnxparser::IParserError {
 public:
  ParserError(ErrorCode code, std::string desc, int node, std::string nodeName, std::string nodeOp, std::string func)
      : mCode(code), mDesc(std::move(desc)), mNode(node), mNodeName(std::move(nodeName)), mNodeOp(std::move(nodeOp)),
        mFunc(std::move(func)) {}
  ~ParserError() override = default;
  ErrorCode code() const override { return mCode; }
  char const* desc() const override { return mDesc.c_str(); }
  char const* file() const override { return "trtsim/onnxparser/parser.cc"; }
  int line() const override { return 0; }
  char const* func() const override { return mFunc.c_str(); }
  int node() const override { return mNode; }
  char const* nodeName() const override { return mNodeName.c_str(); }
  char const* nodeOperator() const override { return mNodeOp.c_str(); }
  char const* const* localFunctionStack() const override { return nullptr; }
  int32_t localFunctionStackSize() const override { return 0; }

 private:
  ErrorCode mCode;
  std::string mDesc;
  int mNode;
  std::string mNodeName;
  std::string mNodeOp;
  std::string mFunc;
};

// Raised inside parse() after the error was recorded.
struct Stop {};

bool toDType(int32_t elemType, DType* out) {
  switch (elemType) {
    case onnx::kFLOAT: *out = DType::kFLOAT; return true;
    case onnx::kFLOAT16: *out = DType::kHALF; return true;
    case onnx::kBFLOAT16: *out = DType::kBF16; return true;
    case onnx::kINT8: *out = DType::kINT8; return true;
    case onnx::kUINT8: *out = DType::kUINT8; return true;
    case onnx::kINT32: *out = DType::kINT32; return true;
    case onnx::kINT64: *out = DType::kINT64; return true;
    case onnx::kBOOL: *out = DType::kBOOL; return true;
    case onnx::kFLOAT8E4M3FN: *out = DType::kFP8; return true;  // TensorRT's only FP8 format
    default: return false;
  }
}

class ParserImpl : public nvonnxparser::IParser {
 public:
  ParserImpl(NetworkImpl* network, nvinfer1::ILogger* logger) : mNetwork(network), mLogger(logger) {}

  bool parse(void const* data, size_t size, char const* modelPath) noexcept override {
    (void)modelPath;
    try {
      parseModel(static_cast<uint8_t const*>(data), size);
      return true;
    } catch (Stop const&) {
      return false;
    } catch (std::exception const& e) {
      record(ErrorCode::kINTERNAL_ERROR, std::string("unexpected parser failure: ") + e.what(), -1, "", "");
      return false;
    }
  }

  bool parseFromFile(char const* path, int verbosity) noexcept override {
    (void)verbosity;
    std::ifstream in(path ? path : "", std::ios::binary);
    if (!in) {
      record(ErrorCode::kMODEL_DESERIALIZE_FAILED, std::string("Failed to open file: ") + (path ? path : "(null)"),
             -1, "", "");
      return false;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse(bytes.data(), bytes.size(), path);
  }

  bool supportsOperator(char const* opName) const noexcept override {
    if (!opName) return false;
    std::string op(opName);
    return hasImporter(op);
  }

  int getNbErrors() const noexcept override { return static_cast<int>(mErrors.size()); }
  nvonnxparser::IParserError const* getError(int index) const noexcept override {
    return index >= 0 && index < getNbErrors() ? mErrors[index].get() : nullptr;
  }
  void clearErrors() noexcept override { mErrors.clear(); }

 private:
  void record(ErrorCode code, std::string desc, int node, std::string name, std::string op) {
    mErrors.push_back(std::make_unique<ParserError>(code, std::move(desc), node, std::move(name), std::move(op),
                                                    "parse"));
    if (mLogger) {
      std::string msg = "ModelImporter.cpp: ERROR: " + std::string(mErrors.back()->desc());
      mLogger->log(nvinfer1::ILogger::Severity::kERROR, msg.c_str());
    }
  }
  [[noreturn]] void fail(ErrorCode code, std::string desc, int node = -1, std::string name = "",
                         std::string op = "") {
    record(code, std::move(desc), node, std::move(name), std::move(op));
    throw Stop{};
  }

  void parseModel(uint8_t const* data, size_t size) {
    if (!mNetwork) fail(ErrorCode::kINVALID_VALUE, "the network was not created by the simulator's builder");
    onnx::Model model;
    try {
      model = onnx::parseModel(data, size);
    } catch (onnx::ParseError const& e) {
      fail(ErrorCode::kMODEL_DESERIALIZE_FAILED, std::string("Failed to parse ONNX model from memory: ") + e.what());
    }
    int64_t opset = model.defaultOpset();
    if (opset <= 0) fail(ErrorCode::kINVALID_GRAPH, "The model does not import the default ONNX opset.");
    mNetwork->setOpset(opset);
    mNetwork->setName(model.graph.name.c_str());

    std::set<std::string> initializerNames;
    for (auto const& t : model.graph.initializers) {
      initializerNames.insert(t.name);
      mWeights.insert(t.name);
      addInitializer(t);
    }
    for (auto const& input : model.graph.inputs) {
      if (initializerNames.count(input.name)) continue;
      DType type;
      if (!toDType(input.elemType, &type)) {
        fail(ErrorCode::kUNSUPPORTED_NODE_DATATYPE, "Graph input " + input.name + " has unsupported data type " +
                                                        onnx::elemTypeName(input.elemType) + ".");
      }
      if (type == DType::kFP8) failFp8Io("input", input.name);
      if (!input.hasShape) fail(ErrorCode::kINVALID_GRAPH, "Graph input " + input.name + " has no shape (unknown rank).");
      Shape shape;
      for (auto const& d : input.dims) shape.push_back(d.value >= 0 ? d.value : -1);
      try {
        mNetwork->addGraphInput(input.name, type, shape);
      } catch (std::exception const& e) {
        fail(ErrorCode::kINVALID_GRAPH, e.what());
      }
    }
    for (size_t i : topologicalOrder(model.graph.nodes)) addNode(model.graph.nodes[i], static_cast<int>(i), opset);
    for (auto const& output : model.graph.outputs) {
      try {
        if (mNetwork->isGraphInput(output.name)) {
          // TensorRT does not let a network input be an output too. Like its ONNX parser, the input is renamed
          // "__<name>" and the output is an Identity of it, so the engine's input is "__<name>".
          std::string renamed = "__" + output.name;
          mNetwork->renameTensor(output.name, renamed);
          mNetwork->addNode(output.name + "_identity", "Identity", Attributes{}, {renamed}, {output.name}, opset);
        }
        if (mNetwork->hasTensor(output.name)) applyDeclaredType(output, opset);
        mNetwork->markGraphOutput(output.name);  // refuses an output no node produces
      } catch (std::exception const& e) {
        fail(ErrorCode::kINVALID_GRAPH, e.what());
      }
    }
  }

  // The order to import the nodes in: TensorRT's parser sorts them topologically first, so a model whose nodes are
  // listed out of order imports (onnxruntime runs it too). Ties keep the listed order. A cycle fails.
  std::vector<size_t> topologicalOrder(std::vector<onnx::Node> const& nodes) {
    std::map<std::string, size_t> producer;
    for (size_t i = 0; i < nodes.size(); ++i) {
      for (auto const& out : nodes[i].outputs) {
        if (!out.empty()) producer.emplace(out, i);
      }
    }
    std::vector<size_t> waitingFor(nodes.size(), 0);
    std::vector<std::vector<size_t>> consumers(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      std::vector<std::string> reads = nodes[i].inputs;
      for (auto const& in : outerNames(nodes[i])) reads.push_back(in);  // If's branches read the graph's tensors too
      for (auto const& in : reads) {
        auto it = in.empty() ? producer.end() : producer.find(in);
        if (it == producer.end()) continue;  // a graph input, an initializer, or missing (addNode says so)
        ++waitingFor[i];
        consumers[it->second].push_back(i);
      }
    }
    std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (waitingFor[i] == 0) ready.push(i);
    }
    std::vector<size_t> order;
    while (!ready.empty()) {
      size_t i = ready.top();
      ready.pop();
      order.push_back(i);
      for (size_t c : consumers[i]) {
        if (--waitingFor[c] == 0) ready.push(c);
      }
    }
    if (order.size() != nodes.size()) {
      size_t stuck = 0;
      while (waitingFor[stuck] == 0) ++stuck;
      onnx::Node const& node = nodes[stuck];
      fail(ErrorCode::kINVALID_GRAPH, "Failed to sort the model topologically: the graph has a cycle through node " +
                                          (node.name.empty() ? node.opType + "_" + std::to_string(stuck) : node.name) + ".");
    }
    return order;
  }

  // The type the model declares for a graph output wins, as TensorRT's parser sets it on the output tensor: the
  // engine converts to it. An int32 tensor must be declared int32.
  void applyDeclaredType(onnx::ValueInfo const& output, int64_t opset) {
    Graph const& graph = mNetwork->graph();
    DType actual = graph.tensors[static_cast<size_t>(graph.find(output.name))].type;
    if (actual == DType::kFP8 || output.elemType == onnx::kFLOAT8E4M3FN) failFp8Io("output", output.name);
    if (output.elemType == onnx::kUNDEFINED) return;
    DType declared;
    if (!toDType(output.elemType, &declared)) {
      fail(ErrorCode::kUNSUPPORTED_NODE, "Failed to convert ONNX data type to TensorRT data type: graph output " +
                                             output.name + " is declared " + onnx::elemTypeName(output.elemType) + ".");
    }
    if (declared == actual) return;
    if (actual == DType::kINT32) {
      fail(ErrorCode::kUNSUPPORTED_NODE, "For INT32 tensors, the output type must also be INT32. Graph output " +
                                             output.name + " is int32 and declared " +
                                             onnx::elemTypeName(output.elemType) + ".");
    }
    std::string computed = output.name + "__computed";
    mNetwork->renameTensor(output.name, computed);
    Attributes to;
    to.values["to"].kind = Attribute::Kind::kINT;
    to.values["to"].i = output.elemType;
    mNetwork->addNode(output.name + "_output_cast", "Cast", to, {computed}, {output.name}, opset);
  }

  // FP8 tensors exist inside the network (between QuantizeLinear and DequantizeLinear); the package's tensors have
  // no FP8 type, so FP8 network IO is not modelled.
  [[noreturn]] void failFp8Io(char const* what, std::string const& name) {
    fail(ErrorCode::kUNSUPPORTED_NODE_DATATYPE, std::string("Graph ") + what + " " + name +
                                                    " is float8e4m3fn: FP8 network inputs and outputs are not modelled "
                                                    "by the simulator (FP8 between Q/DQ nodes is).");
  }

  // A tensor's elements in the simulator's types; false for a data type it does not have. `what` names the tensor
  // in the errors ("Initializer w", "Attribute value of node n").
  bool convertTensor(onnx::Tensor const& t, std::string const& what, DType* type, std::vector<uint8_t>* bytes) {
    if (t.external) {
      fail(ErrorCode::kUNSUPPORTED_GRAPH, what + " stores its data externally; the simulator reads only embedded weights.");
    }
    *bytes = t.data;
    if (t.dataType == onnx::kDOUBLE) {
      // Like the real parser, doubles are narrowed to float32.
      std::vector<uint8_t> narrowed(bytes->size() / 2);
      for (size_t i = 0; i < bytes->size() / 8; ++i) {
        double v;
        std::memcpy(&v, bytes->data() + i * 8, 8);
        float f = static_cast<float>(v);
        std::memcpy(narrowed.data() + i * 4, &f, 4);
      }
      *bytes = std::move(narrowed);
      *type = DType::kFLOAT;
      return true;
    }
    return toDType(t.dataType, type);
  }

  void addInitializer(onnx::Tensor const& t) {
    std::vector<uint8_t> bytes;
    DType type;
    if (!convertTensor(t, "Initializer " + t.name, &type, &bytes)) {
      fail(ErrorCode::kUNSUPPORTED_NODE_DATATYPE,
           "Initializer " + t.name + " has unsupported data type " + onnx::elemTypeName(t.dataType) + ".");
    }
    try {
      mNetwork->addConstant(t.name, type, Shape(t.dims.begin(), t.dims.end()), std::move(bytes));
    } catch (std::exception const& e) {
      fail(ErrorCode::kINVALID_GRAPH, e.what());
    }
  }

  void addConstantNode(onnx::Node const& node, int index) {
    mWeights.insert(node.outputs.empty() ? std::string() : node.outputs[0]);
    addInitializer(constantValue(node, index));
  }

  // The tensor a Constant node holds, named after its output.
  onnx::Tensor constantValue(onnx::Node const& node, int index) {
    auto failNode = [&](std::string const& why) {
      fail(ErrorCode::kUNSUPPORTED_NODE_ATTR, why, index, node.name, node.opType);
    };
    if (node.outputs.size() != 1 || node.attributes.size() != 1) failNode("Constant needs one output and one value");
    onnx::Attribute const& a = node.attributes[0];
    onnx::Tensor t;
    t.name = node.outputs[0];
    auto put = [&](auto const& values, int32_t type, bool scalar) {
      t.dataType = type;
      if (!scalar) t.dims = {static_cast<int64_t>(values.size())};
      t.data.resize(values.size() * sizeof(values[0]));
      if (!t.data.empty()) std::memcpy(t.data.data(), values.data(), t.data.size());
    };
    if (a.name == "value") {
      t = a.t;
      t.name = node.outputs[0];
    } else if (a.name == "value_float") {
      put(std::vector<float>{a.f}, onnx::kFLOAT, true);
    } else if (a.name == "value_floats") {
      put(a.floats, onnx::kFLOAT, false);
    } else if (a.name == "value_int") {
      put(std::vector<int64_t>{a.i}, onnx::kINT64, true);
    } else if (a.name == "value_ints") {
      put(a.ints, onnx::kINT64, false);
    } else {
      failNode("Constant attribute '" + a.name + "' is not supported");
    }
    return t;
  }

  void addNode(onnx::Node const& node, int index, int64_t opset) {
    std::string name = node.name.empty() ? node.opType + "_" + std::to_string(index) : node.name;
    checkImportable(node, index, name);
    if (node.opType == "Constant") {
      addConstantNode(node, index);
      return;
    }
    if (node.opType == "If" && !node.inputs.empty() && mWeights.count(node.inputs[0])) {
      inlineConstantIf(node, index, name, opset);
      return;
    }
    Attributes attrs = convertAttributes(node, index, name, opset);
    if (node.opType == "RoiAlign") {
      importRoiAlign(node, index, name, attrs, opset);
      return;
    }
    if (!hasImporter(node.opType)) {
      importAsPlugin(node, index, name, attrs, opset);
      return;
    }
    std::vector<std::string> inputs = node.inputs;
    addCaptured(node, attrs, inputs);
    try {
      mNetwork->addNode(name, node.opType, attrs, inputs, node.outputs, opset);
    } catch (OpError const& e) {
      std::string what = e.what();
      bool unsupported = what.find("unsupported ONNX operator") != std::string::npos;
      fail(unsupported ? ErrorCode::kUNSUPPORTED_NODE : ErrorCode::kINVALID_NODE,
           (unsupported ? "No importer registered for op: " + node.opType + ". " : std::string()) + what, index, name,
           node.opType);
    }
  }

  // ONNX operators the parser has an importer for (RoiAlign's imports TensorRT's ROIAlign_TRT plugin).
  static bool hasImporter(std::string const& op) {
    static std::set<std::string> const ops = [] {  // asked for every node: the op registry's names, read once
      std::vector<std::string> names = supportedOps();
      std::set<std::string> set(names.begin(), names.end());
      set.insert({"Constant", "RoiAlign"});
      return set;
    }();
    return ops.count(op) != 0;
  }

  void logInfo(std::string const& message) const {
    if (mLogger) mLogger->log(nvinfer1::ILogger::Severity::kINFO, message.c_str());
  }

  void logWarning(std::string const& message) const {
    if (mLogger) mLogger->log(nvinfer1::ILogger::Severity::kWARNING, message.c_str());
  }

  // An operator without an importer becomes a plugin layer, as in TensorRT's parser: the creator registered under the
  // operator's name, version `plugin_version` ("1" when absent) and namespace `plugin_namespace` ("") gets the
  // node's attributes that it lists as fields.
  void importAsPlugin(onnx::Node const& node, int index, std::string const& name, Attributes const& attrs,
                      int64_t opset) {
    Attributes fields;
    PluginKey key = findFallbackPlugin(node, index, name, attrs, fields);
    SimPlugin const& plugin = *findPluginCreator(key);
    std::vector<std::string> inputs = node.inputs;
    if (takesInt32Only(key.name)) {
      Graph const& graph = mNetwork->graph();
      for (size_t i = 0; i < inputs.size(); ++i) {
        int t = inputs[i].empty() ? -1 : graph.find(inputs[i]);
        if (t >= 0 && graph.tensors[static_cast<size_t>(t)].type == DType::kINT64) {
          inputs[i] = castToInt32(node, index, name, inputs[i], opset);
        }
      }
    }
    addPlugin(node, index, name, plugin, key, fields, inputs, "Could not create the plugin.");
  }

  // The fallback importer's lookup: the plugin registered under the operator's name, version and namespace (failing
  // the node when there is none), and in `fields` the node's attributes that the plugin lists.
  PluginKey findFallbackPlugin(onnx::Node const& node, int index, std::string const& name, Attributes const& attrs,
                               Attributes& fields) {
    logInfo("No importer registered for op: " + node.opType + ". Attempting to import as plugin.");
    PluginKey key{node.opType, attrs.getString("plugin_version", "1"), attrs.getString("plugin_namespace", "")};
    logInfo("Searching for plugin: " + key.name + ", plugin_version: " + key.version + ", plugin_namespace: " + key.ns);
    SimPlugin const* plugin = findPluginCreator(key);
    if (!plugin) {
      fail(ErrorCode::kUNSUPPORTED_NODE, "Plugin not found, are the plugin name, version, and namespace correct?",
           index, name, node.opType);
    }
    nvinfer1::PluginFieldCollection const* names = plugin->fields();
    for (int32_t i = 0; names && i < names->nbFields; ++i) {
      auto it = attrs.values.find(names->fields[i].name);
      if (it != attrs.values.end()) {
        fields.values.insert(*it);
      } else {  // TensorRT's words: the creator may have a default, or refuse
        logWarning(std::string("Attribute ") + names->fields[i].name +
                   " not found in plugin node! Ensure that the plugin creator has a default value defined or the "
                   "engine may fail to build.");
      }
    }
    return key;
  }

  // The plugin makes its op from the fields, or the importer says `notCreated` and the plugin's reason goes to the
  // logger, as TensorRT's plugins log it.
  std::unique_ptr<Op> createPlugin(onnx::Node const& node, int index, std::string const& name, SimPlugin const& plugin,
                                   Attributes const& fields, char const* notCreated) {
    try {
      return plugin.createOp(fields);
    } catch (OpError const& e) {
      if (mLogger) mLogger->log(nvinfer1::ILogger::Severity::kERROR, e.what());
      fail(ErrorCode::kUNSUPPORTED_NODE, notCreated, index, name, node.opType);
    }
  }

  // TensorRT's plugins that take int32 where ONNX gives int64: the parser casts their int64 inputs (its list).
  static bool takesInt32Only(std::string const& plugin) {
    static std::set<std::string> const names = {
        "CustomQKVToContextPluginDynamic", "EfficientNMS_TRT", "EfficientNMS_ONNX_TRT", "EfficientNMS_Implicit_TF_TRT",
        "EfficientNMS_Explicit_TF_TRT", "VoxelGeneratorPlugin", "ScatterND", "ROIAlign_TRT", "PillarScatterPlugin",
        "MultiscaleDeformableAttnPlugin_TRT", "CustomEmbLayerNormPluginDynamic"};
    return names.count(plugin) != 0;
  }

  // Adds a Cast of `input` to int32 before the node; returns the cast's output.
  std::string castToInt32(onnx::Node const& node, int index, std::string const& name, std::string const& input,
                          int64_t opset) {
    Attributes to;
    to.values["to"].i = onnx::kINT32;
    std::string cast = name + "_" + input + "_int32";
    try {
      mNetwork->addNode(cast + "_cast", "Cast", to, {input}, {cast}, opset);
    } catch (OpError const& e) {
      fail(ErrorCode::kINVALID_NODE, e.what(), index, name, node.opType);
    }
    return cast;
  }

  // RoiAlign, as TensorRT's importer: the ROIAlign_TRT plugin (version 2) with int32 batch indices. Its fields
  // follow the importer, defaults included: sampling_ratio defaults to 1 there, where ONNX's default is 0 (adaptive),
  // so a model that leaves it out samples differently than onnxruntime computes it.
  void importRoiAlign(onnx::Node const& node, int index, std::string const& name, Attributes const& attrs,
                      int64_t opset) {
    auto failNode = [&](ErrorCode code, std::string const& why) { fail(code, why, index, name, node.opType); };
    requireRoiAlignArity(node, index, name);
    Graph const& graph = mNetwork->graph();
    for (std::string const& input : node.inputs) {
      if (graph.find(input) < 0) failNode(ErrorCode::kINVALID_GRAPH, "Node input was not registered.");
    }
    TensorDef const& rois = graph.tensors[static_cast<size_t>(graph.find(node.inputs[1]))];
    if (rois.shape.size() != 2 || rois.shape[1] != 4) {
      failNode(ErrorCode::kINVALID_NODE, "Found incorrect dimensions for ROIs input! Rank of ROI input = " +
                                             std::to_string(rois.shape.size()) + ", roiDims.d[1] = " +
                                             std::to_string(rois.shape.size() > 1 ? rois.shape[1] : -1) + ".");
    }
    std::vector<std::string> inputs = node.inputs;
    TensorDef const& indices = graph.tensors[static_cast<size_t>(graph.find(node.inputs[2]))];
    if (indices.type != DType::kINT32) inputs[2] = castToInt32(node, index, name, inputs[2], opset);
    SimPlugin const& plugin = roiAlignPlugin(node, index, name);
    addPlugin(node, index, name, plugin, roiAlignKey(), roiAlignFields(attrs, opset), inputs, kRoiAlignNotFound);
  }

  static constexpr char const* kRoiAlignNotFound = "ROIAlign plugin was not found in the plugin registry!";
  static PluginKey roiAlignKey() { return PluginKey{"ROIAlign_TRT", "2", ""}; }

  void requireRoiAlignArity(onnx::Node const& node, int index, std::string const& name) {
    if (node.inputs.size() != 3 || node.outputs.size() != 1) {
      fail(ErrorCode::kINVALID_NODE, "RoiAlign takes 3 inputs and gives 1 output", index, name, node.opType);
    }
  }

  SimPlugin const& roiAlignPlugin(onnx::Node const& node, int index, std::string const& name) {
    SimPlugin const* plugin = findPluginCreator(roiAlignKey());
    if (!plugin) fail(ErrorCode::kUNSUPPORTED_NODE, kRoiAlignNotFound, index, name, node.opType);
    return *plugin;
  }

  // ROIAlign_TRT's fields from RoiAlign's attributes, with the importer's defaults.
  static Attributes roiAlignFields(Attributes const& attrs, int64_t opset) {
    auto intField = [](int64_t v) {
      Attribute a;
      a.kind = Attribute::Kind::kINT;
      a.i = v;
      return a;
    };
    Attributes fields;
    bool halfPixel = opset >= 16 && attrs.getString("coordinate_transformation_mode", "half_pixel") == "half_pixel";
    fields.values["coordinate_transformation_mode"] = intField(halfPixel ? 1 : 0);
    fields.values["mode"] = intField(attrs.getString("mode", "avg") == "avg" ? 1 : 0);
    fields.values["output_height"] = intField(attrs.getInt("output_height", 1));
    fields.values["output_width"] = intField(attrs.getInt("output_width", 1));
    fields.values["sampling_ratio"] = intField(attrs.getInt("sampling_ratio", 1));
    Attribute scale;
    scale.kind = Attribute::Kind::kFLOAT;
    scale.f = attrs.getFloat("spatial_scale", 1.0f);
    fields.values["spatial_scale"] = scale;
    return fields;
  }

  // RoiAlign inside a subgraph, as at the top level: the ROIAlign_TRT layer, after a Cast of its batch indices to
  // int32 (`cast`; ONNX types them int64, and a subgraph's types are known only when the network is built).
  void importRoiAlignInSubgraph(onnx::Node const& node, int index, int64_t opset, SubGraph::Node& n,
                                SubGraph::Node& cast) {
    requireRoiAlignArity(node, index, n.name);
    SimPlugin const& plugin = roiAlignPlugin(node, index, n.name);
    Attributes fields = roiAlignFields(n.attrs, opset);
    createPlugin(node, index, n.name, plugin, fields, kRoiAlignNotFound);
    cast.name = n.name + "_" + node.inputs[2] + "_int32_cast";
    cast.opType = "Cast";
    cast.attrs.values["to"].i = onnx::kINT32;
    cast.inputs = {node.inputs[2]};
    cast.outputs = {n.name + "_" + node.inputs[2] + "_int32"};
    n.inputs[2] = cast.outputs[0];
    n.plugin = roiAlignKey();
    n.attrs = std::move(fields);
  }

  // Adds the plugin's layer; when the plugin refuses its fields, the importer says `notCreated` (TensorRT's importers
  // get only a null plugin).
  void addPlugin(onnx::Node const& node, int index, std::string const& name, SimPlugin const& plugin,
                 PluginKey const& key, Attributes const& fields, std::vector<std::string> const& inputs,
                 char const* notCreated) {
    std::unique_ptr<Op> op = createPlugin(node, index, name, plugin, fields, notCreated);
    try {
      mNetwork->addPluginNode(name, key, fields, std::move(op), inputs, node.outputs);
    } catch (OpError const& e) {
      fail(ErrorCode::kINVALID_NODE, e.what(), index, name, node.opType);
    }
  }

  // Refuses a node of another domain, or an operator TensorRT imports that the simulator does not compute. TensorRT's
  // parser dispatches on the operator's name alone, so a custom domain's operator without an importer goes on to
  // the plugin registry (exporters put plugins such as EfficientNMS_TRT in domains of their own).
  void checkImportable(onnx::Node const& node, int index, std::string const& name) {
    if (!node.domain.empty() && node.domain != "ai.onnx" && hasImporter(node.opType)) {
      fail(ErrorCode::kUNSUPPORTED_NODE, "No importer registered for op: " + node.opType + " in domain " + node.domain +
                                             ".", index, name, node.opType);
    }
    if (importedByTensorRtOnly(node.opType) && !supportsOperator(node.opType.c_str())) {
      // Before the attributes: Loop's and Scan's bodies are attributes the simulator does not convert.
      fail(ErrorCode::kUNSUPPORTED_NODE, node.opType + " is imported by TensorRT's ONNX parser but not modelled by the simulator "
                                          "(the README lists the operators it computes).", index, name, node.opType);
    }
  }

  // An If whose condition is an initializer or a Constant: TensorRT's parser imports only the branch it selects,
  // into the enclosing graph (the other branch is never read), and the If's outputs are that branch's.
  void inlineConstantIf(onnx::Node const& node, int index, std::string const& name, int64_t opset) {
    Graph const& graph = mNetwork->graph();
    TensorDef const& cond = graph.tensors[static_cast<size_t>(graph.find(node.inputs[0]))];
    if (!cond.constData || cond.constData->size() != 1 || cond.type != DType::kBOOL) {
      fail(ErrorCode::kINVALID_NODE, "If: the condition " + node.inputs[0] + " must be one bool, got a " +
                                         std::string(dtypeName(cond.type)) + " tensor of shape " + shapeToString(cond.shape),
           index, name, node.opType);
    }
    char const* branchName = (*cond.constData)[0] != 0 ? "then_branch" : "else_branch";
    onnx::Graph const* branch = nullptr;
    for (auto const& a : node.attributes) {
      if (a.name == branchName && a.g) branch = a.g.get();
    }
    if (!branch) fail(ErrorCode::kINVALID_NODE, std::string("If: the ") + branchName + " attribute is missing", index, name, node.opType);
    if (branch->outputs.size() != node.outputs.size()) {
      fail(ErrorCode::kINVALID_NODE, std::string("If: ") + branchName + " has " + std::to_string(branch->outputs.size()) +
                                         " outputs, the node names " + std::to_string(node.outputs.size()), index, name, node.opType);
    }
    for (auto const& t : branch->initializers) {
      mWeights.insert(t.name);
      addInitializer(t);
    }
    for (size_t i : topologicalOrder(branch->nodes)) {
      onnx::Node inner = branch->nodes[i];
      // Unnamed nodes get a name within the If's ("the_if/then_branch/Relu_0"): errors then say which node failed.
      if (inner.name.empty()) inner.name = name + "/" + branchName + "/" + inner.opType + "_" + std::to_string(i);
      addNode(inner, index, opset);
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k].empty()) continue;
      try {
        mNetwork->addNode(name + "_" + branchName + "_output_" + std::to_string(k), "Identity", Attributes{},
                          {branch->outputs[k].name}, {node.outputs[k]}, opset);
      } catch (OpError const& e) {
        fail(ErrorCode::kINVALID_NODE, std::string("If: ") + e.what(), index, name, node.opType);
      }
    }
  }

  // If, Loop and Scan read tensors of the enclosing graphs from their subgraphs: they become inputs of the node after
  // its own (If's condition; Loop's trip count, condition and initial values; Scan's states and scan inputs), their
  // names listed in the attribute the op reads them by.
  void addCaptured(onnx::Node const& node, Attributes& attrs, std::vector<std::string>& inputs) {
    if (node.opType != "If" && node.opType != "Loop" && node.opType != "Scan") return;
    std::vector<std::string> captured = outerNames(node);
    // The op's own inputs come first: If's condition, Loop's trip count and condition (either may be omitted).
    inputs.resize(std::max<size_t>(inputs.size(), node.opType == "If" ? 1 : node.opType == "Loop" ? 2 : 0));
    inputs.insert(inputs.end(), captured.begin(), captured.end());
    Attribute list;
    list.kind = Attribute::Kind::kSTRINGS;
    list.strings = std::move(captured);
    attrs.values["trtsim.captured"] = std::move(list);
  }

  // Names a node's subgraphs read from enclosing scopes, in order of first use: their nodes' inputs (and those of
  // nested subgraphs) that the subgraph neither computes nor holds as an initializer or Constant.
  static std::vector<std::string> outerNames(onnx::Node const& node) {
    std::vector<std::string> names;
    for (auto const& a : node.attributes) {
      if (!a.g) continue;
      for (auto const& n : outerNames(*a.g)) {
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
      }
    }
    return names;
  }
  static std::vector<std::string> outerNames(onnx::Graph const& g) {
    std::set<std::string> local;
    for (auto const& t : g.initializers) local.insert(t.name);
    for (auto const& in : g.inputs) local.insert(in.name);  // a body's: Loop's iteration_num, cond and carried values, Scan's
    for (auto const& n : g.nodes) local.insert(n.outputs.begin(), n.outputs.end());
    std::vector<std::string> names;
    auto use = [&](std::string const& n) {
      if (!n.empty() && !local.count(n) && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    };
    for (auto const& n : g.nodes) {
      for (auto const& in : n.inputs) use(in);
      for (auto const& in : outerNames(n)) use(in);
    }
    for (auto const& out : g.outputs) use(out.name);
    return names;
  }

  // The simulator's attributes of a node; subgraphs are converted with their weights and nodes.
  Attributes convertAttributes(onnx::Node const& node, int index, std::string const& name, int64_t opset) {
    Attributes attrs;
    for (auto const& a : node.attributes) {
      Attribute out;
      switch (a.type) {
        case onnx::Attribute::kFLOAT: out.kind = Attribute::Kind::kFLOAT; out.f = a.f; break;
        case onnx::Attribute::kINT: out.kind = Attribute::Kind::kINT; out.i = a.i; break;
        case onnx::Attribute::kSTRING: out.kind = Attribute::Kind::kSTRING; out.s = a.s; break;
        case onnx::Attribute::kFLOATS: out.kind = Attribute::Kind::kFLOATS; out.floats = a.floats; break;
        case onnx::Attribute::kINTS: out.kind = Attribute::Kind::kINTS; out.ints = a.ints; break;
        case onnx::Attribute::kSTRINGS: out.kind = Attribute::Kind::kSTRINGS; out.strings = a.strings; break;
        case onnx::Attribute::kTENSOR:
          out.kind = Attribute::Kind::kTENSOR;
          out.tensorShape.assign(a.t.dims.begin(), a.t.dims.end());
          if (!convertTensor(a.t, "Attribute " + a.name + " of " + name, &out.tensorType, &out.tensorBytes)) {
            fail(ErrorCode::kUNSUPPORTED_NODE_DATATYPE,
                 "Attribute " + a.name + " of " + node.opType + " has unsupported data type " +
                     onnx::elemTypeName(a.t.dataType) + ".", index, name, node.opType);
          }
          break;
        case onnx::Attribute::kGRAPH:
          if (!a.g) break;
          out.kind = Attribute::Kind::kGRAPH;
          out.graph = convertSubGraph(*a.g, index, opset);
          break;
        default:
          fail(ErrorCode::kUNSUPPORTED_NODE_ATTR,
               "Attribute " + a.name + " of " + node.opType + " has a type the simulator does not support.", index,
               name, node.opType);
      }
      attrs.values[a.name] = std::move(out);
    }
    return attrs;
  }

  // A branch for the If op. Errors name the If node (index) and the branch's node.
  std::shared_ptr<SubGraph const> convertSubGraph(onnx::Graph const& g, int index, int64_t opset) {
    auto out = std::make_shared<SubGraph>();
    out->name = g.name;
    for (auto const& in : g.inputs) out->inputs.push_back(in.name);
    auto addConstant = [&](onnx::Tensor const& t, std::string const& what) {
      SubGraph::Constant c;
      c.name = t.name;
      c.shape.assign(t.dims.begin(), t.dims.end());
      if (!convertTensor(t, what, &c.type, &c.bytes)) {
        fail(ErrorCode::kUNSUPPORTED_NODE_DATATYPE, what + " has unsupported data type " + onnx::elemTypeName(t.dataType) + ".", index);
      }
      out->constants.push_back(std::move(c));
    };
    for (auto const& t : g.initializers) addConstant(t, "Initializer " + t.name + " of subgraph " + g.name);
    for (size_t i : topologicalOrder(g.nodes)) {
      onnx::Node const& node = g.nodes[i];
      std::string name = node.name.empty() ? node.opType + "_" + std::to_string(i) : node.name;
      checkImportable(node, index, name);
      if (node.opType == "Constant") {
        addConstant(constantValue(node, index), "Constant " + name + " of subgraph " + g.name);
        continue;
      }
      SubGraph::Node n;
      n.name = name;
      n.opType = node.opType;
      n.attrs = convertAttributes(node, index, name, opset);
      n.inputs = node.inputs;
      n.outputs = node.outputs;
      if (node.opType == "RoiAlign") {
        SubGraph::Node cast;
        importRoiAlignInSubgraph(node, index, opset, n, cast);
        out->nodes.push_back(std::move(cast));
      } else if (!hasImporter(node.opType)) {  // a plugin layer inside the subgraph, as at the top level
        Attributes fields;
        n.plugin = findFallbackPlugin(node, index, name, n.attrs, fields);
        createPlugin(node, index, name, *findPluginCreator(n.plugin), fields, "Could not create the plugin.");
        n.attrs = std::move(fields);
      }
      addCaptured(node, n.attrs, n.inputs);
      out->nodes.push_back(std::move(n));
    }
    for (auto const& o : g.outputs) out->outputs.push_back(o.name);
    return out;
  }

  // Ops TensorRT's ONNX parser has importers for that the simulator does not compute: refused saying so, rather than
  // with the parser's "No importer registered", which would claim TensorRT lacks them.
  static bool importedByTensorRtOnly(std::string const& op) {
    static std::set<std::string> const ops = {
        "DeformConv", "RandomUniform", "RandomUniformLike",
        "RandomNormal", "RandomNormalLike", "ImageScaler", "ParametricSoftplus", "ScaledTanh"};
    return ops.count(op) != 0;
  }

  NetworkImpl* mNetwork;
  nvinfer1::ILogger* mLogger;
  std::set<std::string> mWeights;  // initializers and Constant outputs: what TensorRT's parser holds as weights
  std::vector<std::unique_ptr<ParserError>> mErrors;
};

}  // namespace
}  // namespace trtsim

extern "C" {

TRTSIM_EXPORT void* createNvOnnxParser_INTERNAL(void* network, void* logger, int version) noexcept {
  if (version != NV_ONNX_PARSER_VERSION) return nullptr;
  auto* net = dynamic_cast<trtsim::NetworkImpl*>(static_cast<nvinfer1::INetworkDefinition*>(network));
  return static_cast<nvonnxparser::IParser*>(
      new trtsim::ParserImpl(net, static_cast<nvinfer1::ILogger*>(logger)));
}

TRTSIM_EXPORT int getNvOnnxParserVersion() noexcept { return NV_ONNX_PARSER_VERSION; }

}  // extern "C"
