// Shape and type resolution over the whole graph, for the builder (build-time extents, profiles) and the execution
// context (the concrete shapes of one run).
#pragma once

#include <map>
#include <vector>

#include "../include/NvInferRuntime.h"
#include "graph.h"

namespace trtsim {

// Infos of every tensor given the shapes of the graph inputs (indexed like graph.inputs). Constants keep their data.
// Throws OpError naming the node when an op rejects its inputs.
std::vector<TensorInfo> resolveGraph(Graph const& graph, std::vector<Shape> const& inputShapes);

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
