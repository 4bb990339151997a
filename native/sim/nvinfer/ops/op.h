// The simulator's operator interface: shape/type inference at build and run time, host computation at run time.
// Each ONNX op the simulator supports is one Op subclass; the network, the plan and the executor only see this file.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace trtsim {

// Same numeric values as nvinfer1::DataType, so plans and the public API can cast between them.
enum class DType : int32_t {
  kFLOAT = 0,
  kHALF = 1,
  kINT8 = 2,
  kINT32 = 3,
  kBOOL = 4,
  kUINT8 = 5,
  kFP8 = 6,
  kBF16 = 7,
  kINT64 = 8,
};

// Bytes per element; throws OpError for types the simulator cannot store.
size_t dtypeSize(DType type);
char const* dtypeName(DType type);

// -1 marks an extent unknown at build time (a dynamic input dimension and everything that depends on it).
using Shape = std::vector<int64_t>;
int64_t shapeVolume(Shape const& shape);  // -1 when any extent is unknown
std::string shapeToString(Shape const& shape);  // "[1,-1,16]"

// Thrown by ops for anything the builder or executor must report: unsupported attribute, bad rank, shape mismatch.
class OpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SubGraph;

// The plugin a layer runs: TensorRT finds its creator in the plugin registry by these three. `name` is empty for the
// layers of ONNX operators.
struct PluginKey {
  std::string name, version, ns;
  bool empty() const { return name.empty(); }
};

struct Attribute {
  enum class Kind : int32_t { kFLOAT = 0, kINT = 1, kSTRING = 2, kFLOATS = 3, kINTS = 4, kTENSOR = 5, kSTRINGS = 6, kGRAPH = 7 };
  Kind kind = Kind::kINT;
  float f = 0.f;
  int64_t i = 0;
  std::string s;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;  // kSTRINGS (the recurrent ops' activations)
  // kTENSOR (ConstantOfShape's value): the elements' type, shape and little-endian bytes.
  DType tensorType = DType::kFLOAT;
  std::vector<int64_t> tensorShape;
  std::vector<uint8_t> tensorBytes;
  std::shared_ptr<SubGraph const> graph;  // kGRAPH: a branch of If, the body of Loop
};

class Attributes {
 public:
  std::map<std::string, Attribute> values;

  bool has(std::string const& name) const { return values.count(name) != 0; }
  int64_t getInt(std::string const& name, int64_t fallback) const;
  float getFloat(std::string const& name, float fallback) const;
  std::string getString(std::string const& name, std::string const& fallback) const;
  std::vector<int64_t> getInts(std::string const& name, std::vector<int64_t> const& fallback) const;
  std::vector<float> getFloats(std::string const& name, std::vector<float> const& fallback) const;
  std::vector<std::string> getStrings(std::string const& name, std::vector<std::string> const& fallback) const;
  Attribute const* getTensor(std::string const& name) const;  // nullptr when absent
  SubGraph const* getGraph(std::string const& name) const;     // nullptr when absent
};

// A subgraph (If's then_branch and else_branch, Loop's body), as the ONNX parser hands it to the op: the names of its
// inputs (Loop's body has some), its weights, its nodes in topological order and the names of its outputs. Names it reads but neither computes nor holds are tensors of the
// enclosing graph, which the parser passes to the op as inputs.
struct SubGraph {
  struct Constant {
    std::string name;
    DType type = DType::kFLOAT;
    Shape shape;
    std::vector<uint8_t> bytes;  // little-endian, volume * dtypeSize(type)
  };
  struct Node {
    std::string name;
    std::string opType;  // the ONNX operator, or the plugin's name for a plugin layer
    Attributes attrs;    // the operator's attributes, or the plugin's fields
    std::vector<std::string> inputs;  // "" for an omitted optional input
    std::vector<std::string> outputs;
    PluginKey plugin;    // last, so brace-initialized nodes of ONNX operators need not name it
  };
  std::string name;
  std::vector<std::string> inputs;
  std::vector<Constant> constants;
  std::vector<Node> nodes;
  std::vector<std::string> outputs;
};

// What is known about a tensor during inference. `constData` is set for initializers (and constant-folded values),
// so ops such as Reshape, Unsqueeze or ReduceMean can read their shape/axes inputs at build time.
struct TensorInfo {
  DType type = DType::kFLOAT;
  Shape shape;
  std::shared_ptr<std::vector<uint8_t>> constData;  // little-endian element bytes, volume * dtypeSize(type)
  bool omitted = false;  // an optional input the node leaves out ("" in ONNX) before one it gives
};
inline TensorInfo omittedInfo() {
  TensorInfo t;
  t.omitted = true;
  return t;
}

// A tensor at run time: concrete shape, host-addressable data (the simulator's device memory).
struct HostTensor {
  DType type = DType::kFLOAT;
  Shape shape;
  void* data = nullptr;
  bool omitted = false;  // as TensorInfo::omitted
};
inline HostTensor omittedTensor() {
  HostTensor t;
  t.omitted = true;
  return t;
}

class Op {
 public:
  virtual ~Op() = default;

  // Output types and shapes from input infos. Called at build time (shapes may hold -1) and, with concrete shapes,
  // before every run. Throws OpError with a message that names the problem (e.g. "MatMul: inner dimensions 16 and 8
  // differ").
  virtual std::vector<TensorInfo> inferOutputs(std::vector<TensorInfo> const& inputs) const = 0;

  // Computes outputs into pre-allocated buffers whose shapes came from inferOutputs on the same concrete inputs.
  virtual void compute(std::vector<HostTensor> const& inputs, std::vector<HostTensor> const& outputs) const = 0;

  // Arithmetic work of one run, for the simulator's kernel cost model (multiply-adds count as 2).
  virtual double flops(std::vector<HostTensor> const& inputs, std::vector<HostTensor> const& outputs) const;

  // Inputs whose values, not only their shapes, decide the output shapes (Reshape's shape, Range's limit, Slice's
  // starts): TensorRT's shape tensors. A network input used this way becomes a shape input, read from host memory.
  virtual bool isShapeInput(int index) const {
    (void)index;
    return false;
  }

  // Ops whose output extents depend on the input values (NonZero). inferOutputs reports those extents as -1, even
  // for concrete inputs; upperBounds gives the largest shapes the outputs can take for concrete inputs, and
  // computeDynamic computes into buffers of those shapes, laid out densely for the actual shapes it returns.
  virtual bool dataDependent() const { return false; }
  virtual std::vector<Shape> upperBounds(std::vector<TensorInfo> const& inputs) const;
  virtual std::vector<Shape> computeDynamic(std::vector<HostTensor> const& inputs,
                                            std::vector<HostTensor> const& outputs) const;

  // Number of inputs that may be omitted at the end (ONNX optional inputs), and required ones.
  virtual int minInputs() const = 0;
  virtual int maxInputs() const = 0;
  virtual int numOutputs() const { return 1; }
};

// Creates the op for an ONNX node. `opset` is the model's default-domain opset (ReduceMean takes axes as an
// attribute before opset 18 and as an input after). Throws OpError for unsupported ops or attribute values, naming
// the op and the attribute.
// `outputs`: how many outputs the node names (Split makes that many pieces).
std::unique_ptr<Op> createOp(std::string const& opType, Attributes const& attrs, int64_t opset, int outputs = 1);

// Makes a plugin layer's op inside a subgraph: the plugin registry installs it (plugin_registry.cc); the op library
// alone has none, and a subgraph with a plugin layer then fails to build its runner.
using PluginOpFactory = std::unique_ptr<Op> (*)(PluginKey const& key, Attributes const& fields);
void setPluginOpFactory(PluginOpFactory factory);
PluginOpFactory pluginOpFactory();

// Names of all supported ONNX op types (for IParser::supportsOperator and `inspect`).
std::vector<std::string> supportedOps();

}  // namespace trtsim
