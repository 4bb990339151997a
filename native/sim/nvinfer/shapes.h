// Shape and type resolution over the whole graph, for the builder (build-time extents, profiles) and the execution
// context (the concrete shapes of one run).
#pragma once

#include <map>
#include <vector>

#include "../include/NvInferRuntime.h"
#include "graph.h"

namespace trtsim {

// The values of one input (little-endian element bytes), or nullptr when they are not known.
using InputValues = std::shared_ptr<std::vector<uint8_t>>;

// Infos of every tensor given the shapes of the graph inputs (indexed like graph.inputs) and, for shape inputs, their
// values (same indexing; may be empty). Constants keep their data. Throws OpError naming the node when an op rejects
// its inputs, and, when `valuesGiven` (every shape input has values), when an extent stays unknown although every
// input's is known and no op decides it from data (NonZero).
std::vector<TensorInfo> resolveGraph(Graph const& graph, std::vector<Shape> const& inputShapes,
                                     std::vector<InputValues> const& inputValues = {}, bool valuesGiven = true);

// TensorRT's shape tensors, by tensor index: the tensors an op reads for the values that decide a shape (Op::
// isShapeInput), the shape outputs (markOutputForShapes), and every tensor those values are computed from, except through ops that read only their inputs'
// extents (Shape, Size). A network input among them is a shape input: its values come from host memory at run time.
std::vector<bool> shapeTensors(Graph const& graph);

// Values as the element bytes of an int32 or int64 tensor.
InputValues valueBytes(DType type, std::vector<int64_t> const& values);

// The largest shapes of the tensors whose extents depend on data (outputs of ops such as NonZero, and what is computed
// from them while its extents stay unknown), by tensor index, for resolved infos. Throws OpError when a bound cannot
// be computed.
std::map<int, Shape> dataDependentUpperBounds(Graph const& graph, std::vector<TensorInfo> const& infos);

// Bytes of the activations (tensors that are neither IO nor constant) for resolved infos, each aligned to 256.
int64_t activationBytes(Graph const& graph, std::vector<TensorInfo> const& infos);

inline nvinfer1::Dims toDims(Shape const& s) {
  nvinfer1::Dims d{};
  d.nbDims = static_cast<int32_t>(s.size());
  for (size_t i = 0; i < s.size() && i < 8; ++i) d.d[i] = s[i];
  return d;
}

inline Shape fromDims(nvinfer1::Dims const& d) {
  Shape s;
  for (int32_t i = 0; i < d.nbDims && i < 8; ++i) s.push_back(d.d[i]);
  return s;
}

inline nvinfer1::Dims invalidDims() {
  nvinfer1::Dims d{};
  d.nbDims = -1;
  return d;
}

}  // namespace trtsim
