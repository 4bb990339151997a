// InstanceNormalization: per (N, C) plane, y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c] over the spatial
// axes. float32 and float16 only, scale and B of X's type, as TensorRT's parser requires. Statistics in double.
#include <cmath>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class InstanceNormOp : public OpBase {
 public:
  explicit InstanceNormOp(float epsilon) : OpBase("InstanceNormalization", 3, 3), epsilon_(epsilon) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 6.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF});
    requireSameType(in[0], in[1], "input", "scale");
    requireSameType(in[0], in[2], "input", "B");
    Shape const& x = in[0].shape;
    if (x.size() < 3) fail("the input must have rank >= 3 ([N, C, spatial...]), got shape " + shapeToString(x));
    for (size_t k = 1; k < 3; ++k) {
      Shape const& p = in[k].shape;
      if (p.size() != 1 || (p[0] >= 0 && x[1] >= 0 && p[0] != x[1])) {
        fail(std::string(k == 1 ? "scale" : "B") + " must have shape [" + std::to_string(x[1]) + "], got " + shapeToString(p));
      }
    }
    return {TensorInfo{in[0].type, x, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    expectShape(out[0], x);
    std::vector<float> xb, sb, bb, yb;
    float const* xv = floatInput(in[0], xb);
    float const* scale = floatInput(in[1], sb);
    float const* bias = floatInput(in[2], bb);
    float* yv = floatOutput(out[0], yb);
    int64_t const channels = x[1];
    int64_t const size = productOf(x, 2, x.size());
    for (int64_t p = 0, planes = x[0] * channels; p < planes; ++p) {
      float const* xp = xv + p * size;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < size; ++i) mean += xp[i];
      mean /= static_cast<double>(size);
      for (int64_t i = 0; i < size; ++i) var += (xp[i] - mean) * (xp[i] - mean);
      var /= static_cast<double>(size);
      double const inv = 1.0 / std::sqrt(var + epsilon_);
      int64_t const c = p % channels;
      for (int64_t i = 0; i < size; ++i) yv[p * size + i] = static_cast<float>((xp[i] - mean) * inv * scale[c] + bias[c]);
    }
    storeFloatOutput(out[0], yb);
  }

 private:
  float epsilon_;
};

}  // namespace

std::unique_ptr<Op> makeInstanceNormOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"epsilon"});
  return std::make_unique<InstanceNormOp>(attrs.getFloat("epsilon", 1e-5f));
}

}  // namespace ops
}  // namespace trtsim
