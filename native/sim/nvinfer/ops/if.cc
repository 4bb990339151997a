// If with a condition known only when the network runs, as TensorRT's if-conditional: a 0-D bool condition (the
// parser turns a one-element tensor into one) selects a branch, and only that branch runs. Both branches must give
// the same number of outputs with the same types and ranks, as TensorRT requires. Outputs whose extents differ
// between the branches would make their shape depend on the data, which the simulator does not model for If: refused
// at build time where the extents are known, and at run time otherwise.
//
// The inputs are the condition, then the tensors of the enclosing graphs that the branches read, in the order the
// parser lists their names in the "trtsim.captured" attribute. An If whose condition is a weight never reaches this
// op: the parser imports the selected branch in its place, as TensorRT's does.
#include <algorithm>
#include <cstring>
#include <map>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

// One branch: its ops, and where each node reads and writes among the branch's tensors (slots): the captured
// tensors first, then the branch's constants, then every node output.
class Branch {
 public:
  static constexpr int64_t kKnownValues = 64;  // tensors up to this many elements pass their values to inference

  Branch(char const* label, SubGraph const& graph, std::vector<std::string> const& captured, int64_t opset)
      : label_(label), graph_(graph) {
    std::map<std::string, int> slotOf;
    auto define = [&](std::string const& name) {
      if (slotOf.count(name)) fail(std::string(label_) + ": tensor '" + name + "' is defined twice");
      slotOf[name] = slots_++;
    };
    for (auto const& name : captured) define(name);
    for (auto const& c : graph.constants) define(c.name);
    for (auto const& node : graph.nodes) {
      Step step;
      step.op = createOp(node.opType, node.attrs, opset, static_cast<int>(node.outputs.size()));
      if (step.op->dataDependent()) {
        fail(std::string(label_) + ": node " + node.name + " (" + node.opType +
             ") has outputs whose extents depend on the data, which the simulator does not model inside If");
      }
      for (auto const& in : node.inputs) {
        if (in.empty()) {
          step.inputs.push_back(-1);
          continue;
        }
        auto it = slotOf.find(in);
        if (it == slotOf.end()) fail(std::string(label_) + ": input '" + in + "' of node " + node.name + " is not defined before it");
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
    for (auto const& out : graph.outputs) {
      auto it = slotOf.find(out);
      if (it == slotOf.end()) fail(std::string(label_) + ": output '" + out + "' is not computed by the branch");
      outputs_.push_back(it->second);
    }
  }

  size_t numOutputs() const { return outputs_.size(); }
  char const* label() const { return label_; }

  // The branch's output infos for the captured tensors' infos (the If's inputs after the condition).
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& captured) const {
    std::vector<TensorInfo> infos = seedInfos(captured);
    for (size_t s = 0; s < steps_.size(); ++s) inferStep(s, infos);
    std::vector<TensorInfo> out;
    for (int slot : outputs_) out.push_back(infos[static_cast<size_t>(slot)]);
    return out;
  }

  // Runs the branch on host tensors and copies its outputs into `outputs` (whose shapes infer() gave).
  void run(std::vector<HostTensor> const& captured, std::vector<HostTensor> const& outputs) const {
    std::vector<TensorInfo> infos = seedInfos(infosOf(captured, true));
    std::vector<HostTensor> tensors(static_cast<size_t>(slots_));
    std::vector<std::vector<uint8_t>> storage(static_cast<size_t>(slots_));
    for (size_t k = 0; k < captured.size(); ++k) tensors[k] = captured[k];
    for (size_t k = 0; k < graph_.constants.size(); ++k) {
      auto const& c = graph_.constants[k];
      tensors[captured.size() + k] = HostTensor{c.type, c.shape, const_cast<uint8_t*>(c.bytes.data())};
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
        bytes.assign(static_cast<size_t>(checkedVolume(label_, info.shape)) * dtypeSize(info.type), 0);
        tensors[static_cast<size_t>(slot)] = HostTensor{info.type, info.shape, bytes.data()};
        out.push_back(tensors[static_cast<size_t>(slot)]);
      }
      step.op->compute(in, out);
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
      size_t const bytes = static_cast<size_t>(checkedVolume(label_, from.shape)) * dtypeSize(from.type);
      if (from.shape != outputs[k].shape) fail(std::string(label_) + ": output " + std::to_string(k) + " changed shape");
      if (bytes > 0) std::memcpy(outputs[k].data, from.data, bytes);
    }
  }

  // The arithmetic of a run of this branch, for the kernel cost model. Called when the run is enqueued, before any
  // value is computed: the steps whose shapes need values (a Reshape to a computed shape) and those after them are
  // not counted. Never throws.
  double flops(std::vector<HostTensor> const& captured) const {
    std::vector<TensorInfo> infos = seedInfos(infosOf(captured));
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
  }

 private:
  struct Step {
    std::shared_ptr<Op> op;
    std::vector<int> inputs;   // slots; -1 for an omitted input
    std::vector<int> outputs;  // slots; -1 for an omitted output
  };

  [[noreturn]] void fail(std::string const& message) const { ops::fail("If", message); }

  // withValues: the values of small tensors too (the outer graph's shape tensors, scales, axes), as the whole
  // network's shape computation knows them.
  static std::vector<TensorInfo> infosOf(std::vector<HostTensor> const& tensors, bool withValues = false) {
    std::vector<TensorInfo> infos;
    for (auto const& t : tensors) {
      TensorInfo info{t.type, t.shape, nullptr};
      int64_t const n = shapeVolume(t.shape);
      if (withValues && n >= 0 && n <= kKnownValues && t.data) {
        auto const* bytes = static_cast<uint8_t const*>(t.data);
        info.constData = std::make_shared<std::vector<uint8_t>>(bytes, bytes + static_cast<size_t>(n) * dtypeSize(t.type));
      }
      infos.push_back(std::move(info));
    }
    return infos;
  }

  std::vector<TensorInfo> seedInfos(std::vector<TensorInfo> const& captured) const {
    std::vector<TensorInfo> infos(static_cast<size_t>(slots_));
    for (size_t k = 0; k < captured.size(); ++k) infos[k] = captured[k];
    for (size_t k = 0; k < graph_.constants.size(); ++k) {
      auto const& c = graph_.constants[k];
      infos[captured.size() + k] = TensorInfo{c.type, c.shape, std::make_shared<std::vector<uint8_t>>(c.bytes)};
    }
    return infos;
  }

  void inferStep(size_t s, std::vector<TensorInfo>& infos) const {
    Step const& step = steps_[s];
    std::vector<TensorInfo> in;
    for (int slot : step.inputs) in.push_back(slot < 0 ? omittedInfo() : infos[static_cast<size_t>(slot)]);
    std::vector<TensorInfo> out;
    try {
      out = step.op->inferOutputs(in);
    } catch (OpError const& e) {
      fail(std::string(label_) + ", node " + graph_.nodes[s].name + ": " + e.what());
    }
    if (step.outputs.size() > out.size()) {
      fail(std::string(label_) + ", node " + graph_.nodes[s].name + ": " + graph_.nodes[s].opType + " produces " +
           std::to_string(out.size()) + " outputs, the node names " + std::to_string(step.outputs.size()));
    }
    for (size_t k = 0; k < step.outputs.size(); ++k) {
      if (step.outputs[k] >= 0) infos[static_cast<size_t>(step.outputs[k])] = out[k];
    }
  }

  char const* label_;
  SubGraph const& graph_;
  int slots_ = 0;
  std::vector<Step> steps_;
  std::vector<int> outputs_;
};

class IfOp : public OpBase {
 public:
  IfOp(std::shared_ptr<SubGraph const> thenGraph, std::shared_ptr<SubGraph const> elseGraph, std::vector<std::string> const& captured,
       int64_t opset)
      : OpBase("If", 1 + static_cast<int>(captured.size()), 1 + static_cast<int>(captured.size()),
               static_cast<int>(thenGraph->outputs.size())),
        thenGraph_(std::move(thenGraph)),
        elseGraph_(std::move(elseGraph)),
        then_("then_branch", *thenGraph_, captured, opset),
        else_("else_branch", *elseGraph_, captured, opset) {
    if (then_.numOutputs() != else_.numOutputs()) {
      fail("then/else subgraphs should have the same number of outputs: then outputs = " + std::to_string(then_.numOutputs()) +
           ", else outputs = " + std::to_string(else_.numOutputs()));
    }
  }

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    // The kernels are timed before the condition is read: the dearer branch bounds the work.
    std::vector<HostTensor> captured(in.begin() + 1, in.end());
    return std::max(then_.flops(captured), else_.flops(captured));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "the condition", {DType::kBOOL});
    if (shapeVolume(in[0].shape) != 1) fail("the condition must hold one value (a scalar), got shape " + shapeToString(in[0].shape));
    std::vector<TensorInfo> captured(in.begin() + 1, in.end());
    std::vector<TensorInfo> a = then_.infer(captured), b = else_.infer(captured);
    std::vector<TensorInfo> out;
    for (size_t k = 0; k < a.size(); ++k) {
      std::string const which = "output " + std::to_string(k);
      if (a[k].type != b[k].type) {
        fail(which + " is " + dtypeName(a[k].type) + " in then_branch and " + dtypeName(b[k].type) +
             " in else_branch: TensorRT requires the same type in both");
      }
      if (a[k].shape.size() != b[k].shape.size()) {
        fail(which + " has shape " + shapeToString(a[k].shape) + " in then_branch and " + shapeToString(b[k].shape) +
             " in else_branch: TensorRT requires the same rank in both");
      }
      Shape shape = a[k].shape;
      for (size_t d = 0; d < shape.size(); ++d) {
        int64_t const x = a[k].shape[d], y = b[k].shape[d];
        if (x >= 0 && y >= 0 && x != y) {
          fail(which + " has shape " + shapeToString(a[k].shape) + " in then_branch and " + shapeToString(b[k].shape) +
               " in else_branch: an output whose extents depend on the condition is not modelled by the simulator");
        }
        shape[d] = x >= 0 ? x : y;
      }
      out.push_back(TensorInfo{a[k].type, shape, nullptr});
    }
    return out;
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    bool const condition = *static_cast<uint8_t const*>(in[0].data) != 0;
    std::vector<HostTensor> captured(in.begin() + 1, in.end());
    (condition ? then_ : else_).run(captured, out);
  }

 private:
  std::shared_ptr<SubGraph const> thenGraph_;  // kept alive for the branches, which refer to them
  std::shared_ptr<SubGraph const> elseGraph_;
  Branch then_;
  Branch else_;
};

}  // namespace

std::unique_ptr<Op> makeIfOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  checkAttributes(type, attrs, {"then_branch", "else_branch", "trtsim.captured"});
  auto graphOf = [&](char const* name) {
    auto it = attrs.values.find(name);
    if (it == attrs.values.end()) fail(type, std::string("the ") + name + " attribute is required");
    if (it->second.kind != Attribute::Kind::kGRAPH || !it->second.graph) fail(type, std::string("attribute '") + name + "' must be a graph");
    return it->second.graph;
  };
  auto thenGraph = graphOf("then_branch");
  auto elseGraph = graphOf("else_branch");
  return std::make_unique<IfOp>(thenGraph, elseGraph, attrs.getStrings("trtsim.captured", {}), opset);
}

}  // namespace ops
}  // namespace trtsim
