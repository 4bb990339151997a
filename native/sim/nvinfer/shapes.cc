#include "shapes.h"

#include <algorithm>
#include <cstring>

namespace trtsim {

std::vector<TensorInfo> resolveGraph(Graph const& graph, std::vector<Shape> const& inputShapes,
                                     std::vector<InputValues> const& inputValues, bool valuesGiven) {
  std::vector<TensorInfo> infos(graph.tensors.size());
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    TensorDef const& t = graph.tensors[i];
    infos[i].type = t.type;
    infos[i].shape = t.shape;
    infos[i].constData = t.constData;
  }
  for (size_t i = 0; i < graph.inputs.size() && i < inputShapes.size(); ++i) {
    infos[graph.inputs[i]].shape = inputShapes[i];
  }
  for (size_t i = 0; i < graph.inputs.size() && i < inputValues.size(); ++i) {
    infos[graph.inputs[i]].constData = inputValues[i];
  }
  // Called with the shapes of a run, or with the plan's own (-1 for dynamic extents) to check it.
  bool concrete = valuesGiven && std::all_of(graph.inputs.begin(), graph.inputs.end(),
                                             [&](int idx) { return shapeVolume(infos[idx].shape) >= 0; });
  for (NodeDef const& node : graph.nodes) {
    std::vector<TensorInfo> in;
    in.reserve(node.inputs.size());
    for (int idx : node.inputs) in.push_back(idx >= 0 ? infos[idx] : omittedInfo());
    std::vector<TensorInfo> out;
    try {
      out = node.op->inferOutputs(in);
    } catch (OpError const& e) {
      throw OpError("node '" + node.name + "' (" + node.opType + "): " + e.what());
    }
    // With every input's extents known, only an op marked data-dependent (NonZero) may leave an output extent
    // unknown; another one (Range with a limit read from data) would have the executor allocate for -1.
    bool inputsKnown = std::all_of(in.begin(), in.end(), [](TensorInfo const& t) { return t.omitted || shapeVolume(t.shape) >= 0; });
    if (concrete && inputsKnown && !node.op->dataDependent()) {
      for (TensorInfo const& o : out) {
        if (shapeVolume(o.shape) < 0) {
          throw OpError("node '" + node.name + "' (" + node.opType + "): its output shape depends on tensor data (not only on "
                        "input shapes), which the simulator supports for NonZero only");
        }
      }
    }
    for (size_t k = 0; k < node.outputs.size() && k < out.size(); ++k) {
      if (node.outputs[k] < 0) continue;
      TensorInfo& info = infos[node.outputs[k]];
      info.type = out[k].type;
      info.shape = out[k].shape;
      if (!graph.tensors[node.outputs[k]].constData) info.constData = out[k].constData;
    }
  }
  return infos;
}

std::map<int, Shape> dataDependentUpperBounds(Graph const& graph, std::vector<TensorInfo> const& infos) {
  std::map<int, Shape> bounds;
  std::vector<Shape> bounded(infos.size());  // every tensor's shape, data-dependent ones at their bound
  for (size_t i = 0; i < infos.size(); ++i) bounded[i] = infos[i].shape;
  for (NodeDef const& node : graph.nodes) {
    std::vector<TensorInfo> in;
    bool readsBounded = false;
    for (int idx : node.inputs) {
      if (idx < 0) {
        in.push_back(omittedInfo());
        continue;
      }
      in.push_back(TensorInfo{infos[idx].type, bounded[idx], infos[idx].constData});
      readsBounded = readsBounded || bounds.count(idx) != 0;
    }
    if (!node.op->dataDependent() && !readsBounded) continue;
    std::vector<Shape> shapes;
    if (node.op->dataDependent()) {
      shapes = node.op->upperBounds(in);
    } else {
      for (TensorInfo const& out : node.op->inferOutputs(in)) shapes.push_back(out.shape);
    }
    for (size_t k = 0; k < node.outputs.size() && k < shapes.size(); ++k) {
      int idx = node.outputs[k];
      if (idx < 0) continue;
      bounded[idx] = shapes[k];
      // Only tensors whose extents stay unknown are data-dependent; one that reads them may still have a known shape.
      if (shapeVolume(infos[idx].shape) < 0) {  // an extent is unknown
        if (shapeVolume(shapes[k]) < 0) {
          throw OpError("node '" + node.name + "' (" + node.opType + "): the largest shape of its output " +
                        graph.tensors[idx].name + " cannot be computed from its inputs' largest shapes");
        }
        bounds[idx] = shapes[k];
      }
    }
  }
  return bounds;
}

std::vector<bool> shapeTensors(Graph const& graph) {
  std::vector<bool> shape(graph.tensors.size(), false);
  for (int idx : graph.outputs) shape[idx] = graph.tensors[idx].isShapeOutput;
  // Nodes are in topological order, so walking them backwards meets every consumer of a tensor before its producer.
  for (auto node = graph.nodes.rbegin(); node != graph.nodes.rend(); ++node) {
    bool computesShape = false;
    for (int idx : node->outputs) computesShape = computesShape || (idx >= 0 && shape[idx]);
    bool readsExtentsOnly = node->opType == "Shape" || node->opType == "Size";
    for (size_t k = 0; k < node->inputs.size(); ++k) {
      int idx = node->inputs[k];
      if (idx < 0) continue;
      if (node->op->isShapeInput(static_cast<int>(k)) || (computesShape && !readsExtentsOnly)) shape[idx] = true;
    }
  }
  return shape;
}

InputValues valueBytes(DType type, std::vector<int64_t> const& values) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(values.size() * dtypeSize(type));
  for (size_t i = 0; i < values.size(); ++i) {
    if (type == DType::kINT32) {
      auto v = static_cast<int32_t>(values[i]);
      std::memcpy(bytes->data() + i * 4, &v, 4);
    } else {
      std::memcpy(bytes->data() + i * 8, &values[i], 8);
    }
  }
  return bytes;
}

int64_t activationBytes(Graph const& graph, std::vector<TensorInfo> const& infos) {
  int64_t total = 0;
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    TensorDef const& t = graph.tensors[i];
    if (t.isInput || t.isOutput || t.constData) continue;
    int64_t volume = shapeVolume(infos[i].shape);
    if (volume < 0) continue;
    int64_t bytes = volume * static_cast<int64_t>(dtypeSize(infos[i].type));
    total += (bytes + 255) / 256 * 256;
  }
  return total;
}

}  // namespace trtsim
