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

#include "common.h"
#include "subgraph.h"

namespace trtsim {
namespace ops {
namespace {

class IfOp : public OpBase {
 public:
  IfOp(std::shared_ptr<SubGraph const> const& thenGraph, std::shared_ptr<SubGraph const> const& elseGraph,
       std::vector<std::string> const& captured, int64_t opset)
      : OpBase("If", 1 + static_cast<int>(captured.size()), 1 + static_cast<int>(captured.size()),
               static_cast<int>(thenGraph->outputs.size())),
        then_("If", "then_branch", thenGraph, captured, opset),
        else_("If", "else_branch", elseGraph, captured, opset) {
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
  SubGraphRunner then_;
  SubGraphRunner else_;
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
