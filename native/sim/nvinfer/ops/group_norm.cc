// GroupNormalization and InstanceNormalization: per sample and group of channels (each channel its own group for
// InstanceNormalization), y = (x - mean) / sqrt(var + epsilon) * scale + B over the group's channels and spatial axes.
// Scale and B hold one value per channel (InstanceNormalization; GroupNormalization from opset 21) or per group
// (GroupNormalization at opset 18-20). Statistics in double. InstanceNormalization takes float32 and float16 only,
// as TensorRT's parser requires.
#include <cmath>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class GroupNormOp : public OpBase {
 public:
  // groups 0: one per channel (InstanceNormalization).
  GroupNormOp(std::string name, int64_t groups, bool paramsPerGroup, float epsilon)
      : OpBase(std::move(name), 3, 3), groups_(groups), perGroup_(paramsPerGroup), epsilon_(epsilon) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 6.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (groups_ == 0) {
      requireType(in[0], "input", {DType::kFLOAT, DType::kHALF});
    } else {
      requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    }
    requireSameType(in[0], in[1], "input", "scale");
    requireSameType(in[0], in[2], "input", "B");
    Shape const& x = in[0].shape;
    if (x.size() < 3) fail("the input must have rank >= 3 ([N, C, spatial...]), got shape " + shapeToString(x));
    if (groups_ > 0 && x[1] >= 0 && x[1] % groups_ != 0) {
      fail("num_groups " + std::to_string(groups_) + " does not divide the " + std::to_string(x[1]) + " channels");
    }
    int64_t const params = perGroup_ ? groups_ : x[1];
    for (size_t k = 1; k < 3; ++k) {
      Shape const& p = in[k].shape;
      if (p.size() != 1 || (p[0] >= 0 && params >= 0 && p[0] != params)) {
        fail(std::string(k == 1 ? "scale" : "B") + " must have shape [" + std::to_string(params) + "], got " + shapeToString(p));
      }
    }
    return {TensorInfo{in[0].type, x, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    expectShape(out[0], x);
    int64_t const channels = x[1];
    int64_t const groups = groups_ == 0 ? channels : groups_;
    int64_t const perGroup = channels / groups;
    int64_t const spatial = productOf(x, 2, x.size());
    int64_t const size = perGroup * spatial;  // elements of one group, contiguous
    std::vector<float> xb, sb, bb, yb;
    float const* xv = floatInput(in[0], xb);
    float const* scale = floatInput(in[1], sb);
    float const* bias = floatInput(in[2], bb);
    float* yv = floatOutput(out[0], yb);
    for (int64_t g = 0, all = x[0] * groups; g < all; ++g) {
      float const* xg = xv + g * size;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < size; ++i) mean += xg[i];
      mean /= static_cast<double>(size);
      for (int64_t i = 0; i < size; ++i) var += (xg[i] - mean) * (xg[i] - mean);
      var /= static_cast<double>(size);
      double const inv = 1.0 / std::sqrt(var + epsilon_);
      for (int64_t i = 0; i < size; ++i) {
        int64_t const c = (g % groups) * perGroup + i / spatial;
        int64_t const p = perGroup_ ? g % groups : c;
        yv[g * size + i] = static_cast<float>((xg[i] - mean) * inv * scale[p] + bias[p]);
      }
    }
    storeFloatOutput(out[0], yb);
  }

 private:
  int64_t groups_;
  bool perGroup_;
  float epsilon_;
};

}  // namespace

std::unique_ptr<Op> makeGroupNormOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  if (type == "InstanceNormalization") {
    checkAttributes(type, attrs, {"epsilon"});
    return std::make_unique<GroupNormOp>(type, 0, false, attrs.getFloat("epsilon", 1e-5f));
  }
  checkAttributes(type, attrs, {"epsilon", "num_groups", "stash_type"});
  if (!attrs.has("num_groups")) fail(type, "the num_groups attribute is required");
  int64_t groups = attrs.getInt("num_groups", 1);
  if (groups < 1) fail(type, "num_groups must be >= 1, got " + std::to_string(groups));
  bool const perGroup = opset > 0 && opset < 21;
  return std::make_unique<GroupNormOp>(type, groups, perGroup, attrs.getFloat("epsilon", 1e-5f));
}

}  // namespace ops
}  // namespace trtsim
