// The simulator's plugin registry (nvinfer1::IPluginRegistry, one per process as in TensorRT) and what the
// simulator's plugin libraries implement beyond the public creator interface.
#pragma once

#include <memory>
#include <string>

#include "../cudart/sim_cuda.h"
#include "../include/NvInferRuntime.h"
#include "graph.h"

namespace trtsim {

// What a plugin creator of the simulator's plugin libraries (libtrtsim_nvinfer_plugin, test libraries) implements
// besides one of TensorRT's creator interfaces (IPluginCreatorV3One, or IPluginCreator for the IPluginV2 kind),
// which only identify it: its layers' computation as an Op, since the simulator's kernels are Ops where TensorRT's
// plugins run their own CUDA.
class TRTSIM_EXPORT SimPlugin {
 public:
  virtual ~SimPlugin();  // out of line: the type's identity lives in libtrtsim_nvinfer alone
  // The layer's op from its fields (the ONNX node's attributes as the parser passes them); throws OpError naming a
  // field it refuses, as TensorRT's plugins refuse bad fields when created.
  virtual std::unique_ptr<Op> createOp(Attributes const& fields) const = 0;
  // The fields it takes (getFieldNames of its creator interface): the parser passes the node's attributes of these
  // names.
  virtual nvinfer1::PluginFieldCollection const* fields() const = 0;
  virtual char const* name() const = 0;
  virtual char const* version() const = 0;
};

// Thrown when a network or plan needs a plugin that no registered creator provides.
class PluginNotFound : public OpError {
 public:
  explicit PluginNotFound(PluginKey key);
  PluginKey key;
};

// The registry's wording for a plugin it does not have: "Cannot find plugin: X, version: V, namespace:NS."
std::string pluginNotFoundText(PluginKey const& key);

// The simulator plugin registered for `key`; nullptr when there is none.
TRTSIM_EXPORT SimPlugin const* findPluginCreator(PluginKey const& key);

// Whether the creator registered for `key` is of the legacy kind (IPluginCreator, making IPluginV2 plugins).
bool isLegacyPlugin(PluginKey const& key);

// A plugin layer's op, made by the registered creator of `key`. Throws PluginNotFound, or OpError for what the
// plugin refuses.
std::unique_ptr<Op> createPluginOp(PluginKey const& key, Attributes const& fields);

// A node's op: its plugin's creator makes it, or the ONNX operator library (createOp). Throws PluginNotFound, or
// OpError for what the op refuses.
std::unique_ptr<Op> createNodeOp(NodeDef const& node, int64_t opset);

// Throws PluginNotFound for the first plugin layer of `graph`, or of a subgraph in it (an If branch, a Loop body),
// whose creator is not registered: a plan needing it cannot be deserialized.
void requirePlugins(Graph const& graph);

}  // namespace trtsim
