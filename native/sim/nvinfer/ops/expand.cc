// Expand: the input broadcast to a shape, with numpy's rules in both directions (an extent of 1 in the shape keeps
// the input's extent). The shape input may be computed from input extents (Shape -> Concat of a dynamic batch), as
// Reshape's may: then the extents are known at run time. Element bytes are copied, never converted.
#include <algorithm>
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class ExpandOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 1; }
  ExpandOp() : OpBase("Expand", 2, 2) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (in[1].shape.size() != 1) fail("the shape input must be 1-D, got shape " + shapeToString(in[1].shape));
    if (!in[1].constData) {
      // Computed from input extents, the shape folds at run time; from data, never (the profile check refuses it).
      if (in[1].shape[0] < 0) fail("the shape input must have a known length, got shape " + shapeToString(in[1].shape));
      size_t rank = std::max(in[0].shape.size(), static_cast<size_t>(in[1].shape[0]));
      return {TensorInfo{in[0].type, Shape(rank, -1), nullptr}};
    }
    std::vector<int64_t> target = constInts(name_, "shape", in[1]);
    for (int64_t d : target) {
      if (d < 0) fail("the shape " + shapeToString(target) + " has a negative extent");
    }
    return {TensorInfo{in[0].type, broadcastShapes(name_, {in[0].shape, target}), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    if (out[0].type != in[0].type) fail("output buffer type differs from the input type");
    size_t element = dtypeSize(in[0].type);
    StridedPlan plan = makeBroadcastPlan(out[0].shape, {in[0].shape});
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* stride) {
      for (int64_t j = 0; j < n; ++j) {
        std::memcpy(dst + static_cast<size_t>(off[0] + j) * element, src + static_cast<size_t>(off[1] + j * stride[1]) * element, element);
      }
    });
  }
};

}  // namespace

std::unique_ptr<Op> makeExpandOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {});
  return std::make_unique<ExpandOp>();
}

}  // namespace ops
}  // namespace trtsim
