// The simulator's INetworkDefinition. Besides the public interface it offers a small C++ API to the ONNX parser
// stand-in (exported from this library), which builds the graph node by node with shape inference at each step.
#pragma once

#include <memory>
#include <vector>

#include "../cudart/sim_cuda.h"
#include "../include/NvInfer.h"
#include "graph.h"
#include "network_layers.h"
#include "plugin_registry.h"

namespace trtsim {

class TensorHandle;

class TRTSIM_EXPORT NetworkImpl : public nvinfer1::INetworkDefinition {
 public:
  explicit NetworkImpl(nvinfer1::NetworkDefinitionCreationFlags flags);
  ~NetworkImpl() noexcept override;

  // For the ONNX parser. Each throws OpError with a message naming the tensor or node.
  void addGraphInput(std::string const& name, DType type, Shape const& shape);
  void addConstant(std::string const& name, DType type, Shape const& shape, std::vector<uint8_t> data);
  // Adds a node after inferring its outputs; nodes whose outputs are all constant are folded away.
  void addNode(std::string const& name, std::string const& opType, Attributes const& attrs,
               std::vector<std::string> const& inputs, std::vector<std::string> const& outputs, int64_t opset);
  // Adds a layer of the plugin `key`, whose creator made `op` from `fields`. Never folded, even on constant inputs.
  void addPluginNode(std::string const& name, PluginKey const& key, Attributes const& fields, std::unique_ptr<Op> op,
                     std::vector<std::string> const& inputs, std::vector<std::string> const& outputs);
  // Refuses a network input: TensorRT does not let one be an output too.
  void markGraphOutput(std::string const& name);
  bool isGraphInput(std::string const& name) const {
    int idx = mGraph.find(name);
    return idx >= 0 && mGraph.tensors[idx].isInput;
  }
  void renameTensor(std::string const& from, std::string const& to);
  void setOpset(int64_t opset) { mGraph.opset = opset; }
  bool hasTensor(std::string const& name) const { return mGraph.find(name) >= 0; }

  Graph const& graph() const { return mGraph; }

  // INetworkDefinition
  int32_t getNbInputs() const noexcept override;
  nvinfer1::ITensor* getInput(int32_t index) const noexcept override;
  int32_t getNbOutputs() const noexcept override;
  nvinfer1::ITensor* getOutput(int32_t index) const noexcept override;
  int32_t getNbLayers() const noexcept override;
  nvinfer1::ILayer* getLayer(int32_t index) const noexcept override;
  nvinfer1::ITensor* addInput(char const* name, nvinfer1::DataType type, nvinfer1::Dims const& dims) noexcept override;
  void markOutput(nvinfer1::ITensor& tensor) noexcept override;
  void unmarkOutput(nvinfer1::ITensor& tensor) noexcept override;
  bool markOutputForShapes(nvinfer1::ITensor& tensor) noexcept override;
  bool unmarkOutputForShapes(nvinfer1::ITensor& tensor) noexcept override;
  bool getFlag(nvinfer1::NetworkDefinitionCreationFlag flag) const noexcept override;
  void setName(char const* name) noexcept override;
  char const* getName() const noexcept override;

 private:
  friend class TensorHandle;
  nvinfer1::ITensor* handle(int index) const;
  int addTensor(TensorDef def);
  // The index of a tensor of this network, or -1 for a handle of another network.
  int indexOf(nvinfer1::ITensor const& tensor) const;
  void removeOutput(int index);
  // Checks the inputs against the op, infers the outputs and appends the node (or folds it into constants).
  void insertNode(NodeDef node, std::vector<std::string> const& inputs, std::vector<std::string> const& outputs,
                  bool foldable);

  Graph mGraph;
  nvinfer1::NetworkDefinitionCreationFlags mFlags;
  mutable std::vector<std::unique_ptr<TensorHandle>> mHandles;  // one per tensor, created on demand
  mutable NetworkLayers mLayers;                                // made on demand too
};

}  // namespace trtsim
