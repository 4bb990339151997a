// The simulator's network representation, shared by the network definition (build time), the plan format and the
// executor (run time).
#pragma once

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ops/op.h"

namespace trtsim {

struct TensorDef {
  std::string name;
  DType type = DType::kFLOAT;
  Shape shape;  // build-time extents; -1 where dynamic
  bool isInput = false;
  bool isOutput = false;
  // An output marked with markOutputForShapes (isOutput too): TensorRT computes its values while it infers shapes
  // and writes them to host memory.
  bool isShapeOutput = false;
  std::shared_ptr<std::vector<uint8_t>> constData;  // weights and folded constants
  // An IO tensor's memory layout (nvinfer1::TensorFormat's value), chosen by the builder from allowedFormats (a
  // bitmask set through ITensor::setAllowedFormats; network only, not in plans).
  int32_t format = 0;
  uint32_t allowedFormats = ~0u;
};

struct NodeDef {
  std::string name;
  std::string opType;  // the ONNX operator, or the plugin's name for a plugin layer
  PluginKey plugin;
  Attributes attrs;    // the operator's attributes, or the plugin's fields
  std::vector<int> inputs;  // tensor indices; -1 for an omitted optional input
  std::vector<int> outputs;
  std::shared_ptr<Op> op;
};

// Min/opt/max shapes for each dynamic input, and min/opt/max values for each shape input, indexed by tensor index.
struct Profile {
  std::map<int, std::array<Shape, 3>> shapes;
  std::map<int, std::array<std::vector<int64_t>, 3>> values;
};

struct Graph {
  std::string name;
  int64_t opset = 17;
  std::vector<TensorDef> tensors;
  std::vector<NodeDef> nodes;  // topological order
  std::vector<int> inputs;     // in declaration order
  std::vector<int> outputs;

  int find(std::string const& tensorName) const {
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (tensors[i].name == tensorName) return static_cast<int>(i);
    }
    return -1;
  }
};

// What a shape tensor input or output must be, as TensorRT reads or writes its values on the host: an int32 or int64
// tensor of rank 0 or 1 with fixed extents.
inline bool hasShapeTensorForm(TensorDef const& t) {
  return (t.type == DType::kINT32 || t.type == DType::kINT64) && t.shape.size() <= 1 && shapeVolume(t.shape) >= 0;
}

// "[1,-1,16]"-style text used in error messages, like TensorRT's.
std::string dimsText(Shape const& shape);

}  // namespace trtsim
