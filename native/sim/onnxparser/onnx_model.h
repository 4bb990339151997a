// A minimal reader for ONNX ModelProto bytes (protobuf wire format), with no dependency on protobuf itself.
// It keeps only what the simulator's parser needs; unknown fields are skipped as protobuf requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

namespace trtsim::onnx {

// ONNX TensorProto.DataType values.
enum ElemType : int32_t {
  kUNDEFINED = 0,
  kFLOAT = 1,
  kUINT8 = 2,
  kINT8 = 3,
  kUINT16 = 4,
  kINT16 = 5,
  kINT32 = 6,
  kINT64 = 7,
  kSTRING = 8,
  kBOOL = 9,
  kFLOAT16 = 10,
  kDOUBLE = 11,
  kUINT32 = 12,
  kUINT64 = 13,
  kBFLOAT16 = 16,
  kFLOAT8E4M3FN = 17,
  kFLOAT8E4M3FNUZ = 18,
  kFLOAT8E5M2 = 19,
  kFLOAT8E5M2FNUZ = 20,
};

// Malformed bytes: the message names the field path and byte offset, e.g.
// "ModelProto.graph.node[3].attribute[0]: truncated varint at byte 1234".
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Dim {
  int64_t value = -1;  // >= 0 when fixed
  std::string param;   // symbolic name ("batch", "seq") when dynamic; empty when unnamed
};

struct ValueInfo {
  std::string name;
  int32_t elemType = kUNDEFINED;
  bool hasShape = false;  // false: rank unknown
  std::vector<Dim> dims;
};

struct Tensor {
  std::string name;
  int32_t dataType = kUNDEFINED;
  std::vector<int64_t> dims;
  // Element bytes, little-endian, densely packed at the element size of dataType (bool and uint8 one byte each,
  // float16/bfloat16 two bytes), whether the file used raw_data or a typed field (float_data, int32_data,
  // int64_data, double_data, uint64_data). Its size equals volume(dims) * element size; the reader checks this.
  std::vector<uint8_t> data;
  bool external = false;  // data_location == EXTERNAL (the reader leaves `data` empty)
};

struct Graph;

struct Attribute {
  // ONNX AttributeProto.AttributeType values.
  enum Type : int32_t { kUNDEFINED = 0, kFLOAT = 1, kINT = 2, kSTRING = 3, kTENSOR = 4, kGRAPH = 5, kFLOATS = 6,
                        kINTS = 7, kSTRINGS = 8, kTENSORS = 9, kGRAPHS = 10 };
  std::string name;
  int32_t type = kUNDEFINED;
  float f = 0.f;
  int64_t i = 0;
  std::string s;
  Tensor t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
  std::shared_ptr<Graph> g;  // kGRAPH: If's branches (Loop's and Scan's bodies are read, and refused later)
};

struct Node {
  std::string name;
  std::string opType;
  std::string domain;
  std::vector<std::string> inputs;  // an empty string marks an omitted optional input
  std::vector<std::string> outputs;
  std::vector<Attribute> attributes;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<ValueInfo> inputs;  // may include initializers (old IR versions); the parser skips those
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> valueInfo;
};

struct OpsetImport {
  std::string domain;  // "" or "ai.onnx" for the default domain
  int64_t version = 0;
};

struct Model {
  int64_t irVersion = 0;
  std::string producerName;
  std::string producerVersion;
  std::vector<OpsetImport> opsets;
  Graph graph;

  // Opset of the default domain, or 0 when absent.
  int64_t defaultOpset() const;
};

// Parses a serialized ModelProto. Throws ParseError on malformed or truncated input; never reads out of bounds.
Model parseModel(uint8_t const* data, size_t size);

// Bytes per element of an ONNX data type, 0 for types without a fixed size (string, undefined).
size_t elemTypeSize(int32_t elemType);
char const* elemTypeName(int32_t elemType);

}  // namespace trtsim::onnx
