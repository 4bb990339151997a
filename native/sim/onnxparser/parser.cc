// The simulator's ONNX parser (stand-in for libnvonnxparser): reads ModelProto bytes and fills the simulator's
// network node by node. Errors are IParserError records naming the node index, name and op type, as the real parser
// reports them; parsing stops at the first failing node.
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
    if (op == "Constant") return true;
    for (auto const& s : supportedOps()) {
      if (s == op) return true;
    }
    return false;
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
      for (auto const& in : nodes[i].inputs) {
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
    addInitializer(t);
  }

  void addNode(onnx::Node const& node, int index, int64_t opset) {
    std::string name = node.name.empty() ? node.opType + "_" + std::to_string(index) : node.name;
    if (!node.domain.empty() && node.domain != "ai.onnx") {
      fail(ErrorCode::kUNSUPPORTED_NODE, "No importer registered for op: " + node.opType + " in domain " + node.domain +
                                             ".", index, name, node.opType);
    }
    if (node.opType == "Constant") {
      addConstantNode(node, index);
      return;
    }
    if (importedByTensorRtOnly(node.opType) && !supportsOperator(node.opType.c_str())) {
      // Before the attributes: control flow's subgraphs are attributes the simulator does not read.
      fail(ErrorCode::kUNSUPPORTED_NODE, node.opType + " is imported by TensorRT's ONNX parser but not modelled by the simulator "
                                          "(the README lists the operators it computes).", index, name, node.opType);
    }
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
        default:
          fail(ErrorCode::kUNSUPPORTED_NODE_ATTR,
               "Attribute " + a.name + " of " + node.opType + " has a type the simulator does not support.", index,
               name, node.opType);
      }
      attrs.values[a.name] = std::move(out);
    }
    try {
      mNetwork->addNode(name, node.opType, attrs, node.inputs, node.outputs, opset);
    } catch (OpError const& e) {
      std::string what = e.what();
      bool unsupported = what.find("unsupported ONNX operator") != std::string::npos;
      fail(unsupported ? ErrorCode::kUNSUPPORTED_NODE : ErrorCode::kINVALID_NODE,
           (unsupported ? "No importer registered for op: " + node.opType + ". " : std::string()) + what, index, name,
           node.opType);
    }
  }

  // Ops TensorRT's ONNX parser has importers for that the simulator does not compute: refused saying so, rather than
  // with the parser's "No importer registered", which would claim TensorRT lacks them.
  static bool importedByTensorRtOnly(std::string const& op) {
    static std::set<std::string> const ops = {
        "If", "Loop", "Scan", "RoiAlign", "DeformConv", "RandomUniform", "RandomUniformLike",
        "RandomNormal", "RandomNormalLike", "ImageScaler", "ParametricSoftplus", "ScaledTanh"};
    return ops.count(op) != 0;
  }

  NetworkImpl* mNetwork;
  nvinfer1::ILogger* mLogger;
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
