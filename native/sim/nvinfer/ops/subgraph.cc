// SubGraphRunner: see subgraph.h.
#include "subgraph.h"

#include <cstring>
#include <map>

namespace trtsim {
namespace ops {
namespace {

// withValues: the values of small tensors too (the outer graph's shape tensors, scales, axes), as the whole
// network's shape computation knows them.
std::vector<TensorInfo> infosOf(std::vector<HostTensor> const& tensors, bool withValues) {
  std::vector<TensorInfo> infos;
  for (auto const& t : tensors) {
    TensorInfo info{t.type, t.shape, nullptr};
    int64_t const n = shapeVolume(t.shape);
    if (withValues && n >= 0 && n <= SubGraphRunner::kKnownValues && t.data) {
      auto const* bytes = static_cast<uint8_t const*>(t.data);
      info.constData = std::make_shared<std::vector<uint8_t>>(bytes, bytes + static_cast<size_t>(n) * dtypeSize(t.type));
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

}  // namespace

SubGraphRunner::SubGraphRunner(char const* op, char const* label, std::shared_ptr<SubGraph const> graph,
                               std::vector<std::string> const& captured, int64_t opset)
    : op_(op), label_(label), graph_(std::move(graph)) {
  std::map<std::string, int> slotOf;
  auto define = [&](std::string const& name) {
    if (slotOf.count(name)) fail("tensor '" + name + "' is defined twice");
    slotOf[name] = slots_++;
  };
  for (auto const& name : captured) define(name);
  for (auto const& name : graph_->inputs) define(name);
  given_ = static_cast<size_t>(slots_);
  for (auto const& c : graph_->constants) define(c.name);
  for (auto const& node : graph_->nodes) {
    Step step;
    if (node.plugin.empty()) {
      step.op = createOp(node.opType, node.attrs, opset, static_cast<int>(node.outputs.size()));
    } else if (PluginOpFactory factory = pluginOpFactory()) {
      step.op = factory(node.plugin, node.attrs);
    } else {
      fail("node " + node.name + " is a layer of the plugin " + node.plugin.name + ", and no plugin registry is loaded");
    }
    if (step.op->dataDependent()) {
      fail("node " + node.name + " (" + node.opType + ") has outputs whose extents depend on the data, which the simulator does not model inside " + op_);
    }
    for (auto const& in : node.inputs) {
      if (in.empty()) {
        step.inputs.push_back(-1);
        continue;
      }
      auto it = slotOf.find(in);
      if (it == slotOf.end()) fail("input '" + in + "' of node " + node.name + " is not defined before it");
      step.inputs.push_back(it->second);
    }
    for (auto const& out : node.outputs) {
      if (out.empty()) {
        step.outputs.push_back(-1);
        continue;
      }
      define(out);
      step.outputs.push_back(slotOf[out]);
    }
    steps_.push_back(std::move(step));
  }
  for (auto const& out : graph_->outputs) {
    auto it = slotOf.find(out);
    if (it == slotOf.end()) fail("output '" + out + "' is not computed by the " + std::string(label_));
    outputs_.push_back(it->second);
  }
}

void requireRecurrence(char const* op, std::string const& what, TensorInfo const& before, TensorInfo const& after) {
  bool same = before.type == after.type && before.shape.size() == after.shape.size();
  for (size_t d = 0; same && d < before.shape.size(); ++d) {
    same = before.shape[d] < 0 || after.shape[d] < 0 || before.shape[d] == after.shape[d];
  }
  if (!same) {
    fail(op, what + " is " + dtypeName(before.type) + " " + shapeToString(before.shape) + " before the body and " +
                 dtypeName(after.type) + " " + shapeToString(after.shape) + " after it: TensorRT's recurrence keeps its type and shape");
  }
}

void SubGraphRunner::fail(std::string const& message) const { ops::fail(op_, std::string(label_) + ": " + message); }

bool SubGraphRunner::readsInput(size_t k) const {
  int const slot = static_cast<int>(given_ - graph_->inputs.size() + k);
  for (auto const& step : steps_) {
    for (int s : step.inputs)
      if (s == slot) return true;
  }
  for (int s : outputs_)
    if (s == slot) return true;
  return false;
}

std::vector<TensorInfo> SubGraphRunner::infer(std::vector<TensorInfo> const& inputs) const {
  std::vector<TensorInfo> infos = seedInfos(inputs);
  for (size_t s = 0; s < steps_.size(); ++s) inferStep(s, infos);
  std::vector<TensorInfo> out;
  for (int slot : outputs_) out.push_back(infos[static_cast<size_t>(slot)]);
  return out;
}

namespace {
thread_local InnerOutputHook tInnerHook = nullptr;
thread_local void const* tInnerState = nullptr;
}  // namespace

InnerOutputScope::InnerOutputScope(InnerOutputHook hook, void const* state)
    : mPreviousHook(tInnerHook), mPreviousState(tInnerState) {
  tInnerHook = hook;
  tInnerState = state;
}

InnerOutputScope::~InnerOutputScope() {
  tInnerHook = mPreviousHook;
  tInnerState = mPreviousState;
}

void SubGraphRunner::run(std::vector<HostTensor> const& inputs, std::vector<HostTensor> const& outputs) const {
  std::vector<TensorInfo> infos = seedInfos(infosOf(inputs, true));
  std::vector<HostTensor> tensors(static_cast<size_t>(slots_));
  std::vector<std::vector<uint8_t>> storage(static_cast<size_t>(slots_));
  for (size_t k = 0; k < inputs.size(); ++k) tensors[k] = inputs[k];
  for (size_t k = 0; k < graph_->constants.size(); ++k) {
    auto const& c = graph_->constants[k];
    tensors[given_ + k] = HostTensor{c.type, c.shape, const_cast<uint8_t*>(c.bytes.data())};
  }
  for (size_t s = 0; s < steps_.size(); ++s) {
    Step const& step = steps_[s];
    inferStep(s, infos);
    std::vector<HostTensor> in, out;
    for (int slot : step.inputs) in.push_back(slot < 0 ? omittedTensor() : tensors[static_cast<size_t>(slot)]);
    for (int slot : step.outputs) {
      if (slot < 0) {
        out.push_back(omittedTensor());
        continue;
      }
      TensorInfo const& info = infos[static_cast<size_t>(slot)];
      std::vector<uint8_t>& bytes = storage[static_cast<size_t>(slot)];
      bytes.assign(static_cast<size_t>(checkedVolume(op_, info.shape)) * dtypeSize(info.type), 0);
      tensors[static_cast<size_t>(slot)] = HostTensor{info.type, info.shape, bytes.data()};
      out.push_back(tensors[static_cast<size_t>(slot)]);
    }
    step.op->compute(in, out);
    if (tInnerHook) {
      for (HostTensor const& o : out) {
        if (o.data) tInnerHook(o, tInnerState);
      }
    }
    // Small results become known values for the nodes after them (shape arithmetic feeding a Reshape, computed
    // scales), as they are when the whole network's shapes are computed.
    for (int slot : step.outputs) {
      if (slot < 0) continue;
      TensorInfo& info = infos[static_cast<size_t>(slot)];
      if (shapeVolume(info.shape) <= kKnownValues) info.constData = std::make_shared<std::vector<uint8_t>>(storage[static_cast<size_t>(slot)]);
    }
  }
  for (size_t k = 0; k < outputs.size() && k < outputs_.size(); ++k) {
    if (outputs[k].omitted || !outputs[k].data) continue;
    HostTensor const& from = tensors[static_cast<size_t>(outputs_[k])];
    if (from.shape != outputs[k].shape) {
      fail("output " + std::to_string(k) + " has shape " + shapeToString(from.shape) + ", expected " + shapeToString(outputs[k].shape));
    }
    size_t const bytes = static_cast<size_t>(checkedVolume(op_, from.shape)) * dtypeSize(from.type);
    if (bytes > 0) std::memcpy(outputs[k].data, from.data, bytes);
  }
}

double SubGraphRunner::flops(std::vector<HostTensor> const& inputs) const {
  try {
    std::vector<TensorInfo> infos = seedInfos(infosOf(inputs, false));
    double total = 0;
    for (size_t s = 0; s < steps_.size(); ++s) {
      try {
        inferStep(s, infos);
      } catch (OpError const&) {
        break;
      }
      std::vector<HostTensor> in, out;
      for (int slot : steps_[s].inputs) in.push_back(slot < 0 ? omittedTensor() : HostTensor{infos[static_cast<size_t>(slot)].type, infos[static_cast<size_t>(slot)].shape, nullptr});
      for (int slot : steps_[s].outputs) out.push_back(slot < 0 ? omittedTensor() : HostTensor{infos[static_cast<size_t>(slot)].type, infos[static_cast<size_t>(slot)].shape, nullptr});
      total += steps_[s].op->flops(in, out);
    }
    return total;
  } catch (std::exception const&) {
    return 0;
  }
}

std::vector<TensorInfo> SubGraphRunner::seedInfos(std::vector<TensorInfo> const& inputs) const {
  std::vector<TensorInfo> infos(static_cast<size_t>(slots_));
  if (inputs.size() != given_) fail("expects " + std::to_string(given_) + " tensors, got " + std::to_string(inputs.size()));
  for (size_t k = 0; k < inputs.size(); ++k) infos[k] = inputs[k];
  for (size_t k = 0; k < graph_->constants.size(); ++k) {
    auto const& c = graph_->constants[k];
    infos[given_ + k] = TensorInfo{c.type, c.shape, std::make_shared<std::vector<uint8_t>>(c.bytes)};
  }
  return infos;
}

void SubGraphRunner::inferStep(size_t s, std::vector<TensorInfo>& infos) const {
  Step const& step = steps_[s];
  std::vector<TensorInfo> in;
  for (int slot : step.inputs) in.push_back(slot < 0 ? omittedInfo() : infos[static_cast<size_t>(slot)]);
  std::vector<TensorInfo> out;
  try {
    out = step.op->inferOutputs(in);
  } catch (OpError const& e) {
    fail("node " + graph_->nodes[s].name + ": " + e.what());
  }
  if (step.outputs.size() > out.size()) {
    fail("node " + graph_->nodes[s].name + ": " + graph_->nodes[s].opType + " produces " + std::to_string(out.size()) +
         " outputs, the node names " + std::to_string(step.outputs.size()));
  }
  for (size_t k = 0; k < step.outputs.size(); ++k) {
    if (step.outputs[k] >= 0) infos[static_cast<size_t>(step.outputs[k])] = out[k];
  }
}

}  // namespace ops
}  // namespace trtsim
