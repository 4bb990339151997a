// The layers of a simulated network as INetworkDefinition::getLayer gives them: one per node of the parser's graph,
// the nodes of If branches and Loop/Scan bodies included (TensorRT's layer list is flat too). A plugin layer is an
// IPluginV3Layer or, for a creator of the legacy kind, an IPluginV2Layer, whose plugin object tells its identity.
#pragma once

#include <memory>
#include <vector>

#include "../include/NvInfer.h"
#include "graph.h"

namespace trtsim {

// What owns a layer: the interfaces' destructors are protected, as TensorRT's.
class LayerObject {
 public:
  virtual ~LayerObject() = default;
  virtual nvinfer1::ILayer* layer() noexcept = 0;
};

class NetworkLayers {
 public:
  NetworkLayers();
  ~NetworkLayers();
  // Rebuilds the list when the graph has changed since the last call (layers are made on demand).
  void refresh(Graph const& graph);
  int32_t size() const { return static_cast<int32_t>(mLayers.size()); }
  nvinfer1::ILayer* at(int32_t index) const;

 private:
  size_t mNodesSeen = 0;
  std::vector<std::unique_ptr<LayerObject>> mLayers;
};

// The layer type TensorRT's parser gives an ONNX operator's (main) layer.
nvinfer1::LayerType layerTypeOf(std::string const& opType);

}  // namespace trtsim
