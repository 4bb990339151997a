// BatchNormalization in inference mode: Y = X * s + t per channel (axis 1), where s = scale / sqrt(var + epsilon)
// and t = bias - mean * s, computed in float as TensorRT's parser folds them into one scale layer. TensorRT ignores
// training_mode and momentum and produces Y only, so a node naming the running-statistics outputs is refused.
// Scale, bias, mean and var must be 1-D of the channel extent ("(C, )", as the parser checks).
#include <cmath>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class BatchNormOp : public OpBase {
 public:
  explicit BatchNormOp(float epsilon) : OpBase("BatchNormalization", 5, 5), epsilon_(epsilon) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 2.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    Shape const& x = in[0].shape;
    if (x.size() < 2) fail("input X must have rank >= 2 ([N, C, ...]), got shape " + shapeToString(x));
    char const* names[] = {"scale", "B", "input_mean", "input_var"};
    for (size_t k = 1; k < 5; ++k) {
      requireType(in[k], names[k - 1], {DType::kFLOAT, DType::kHALF, DType::kBF16});
      Shape const& p = in[k].shape;
      bool channels = p.size() == 1 && (p[0] < 0 || x[1] < 0 || p[0] == x[1]);
      if (!channels) {
        fail(std::string("the shape of the ") + names[k - 1] + " input must be (C, ) with C = " + std::to_string(x[1]) +
             ", got " + shapeToString(p));
      }
    }
    return {TensorInfo{in[0].type, x, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& x = in[0].shape;
    expectShape(out[0], x);
    int64_t const channels = x[1];
    for (size_t k = 1; k < 5; ++k) {
      if (shapeVolume(in[k].shape) != channels) {
        fail("parameter " + std::to_string(k) + " has shape " + shapeToString(in[k].shape) + " for " +
             std::to_string(channels) + " channels");
      }
    }
    std::vector<float> buf[5], yBuf;
    float const* v[5];
    for (size_t k = 0; k < 5; ++k) v[k] = floatInput(in[k], buf[k]);
    std::vector<float> scale(static_cast<size_t>(channels)), shift(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) {
      scale[c] = v[1][c] / std::sqrt(v[4][c] + epsilon_);
      shift[c] = v[2][c] - v[3][c] * scale[c];
    }
    float* y = floatOutput(out[0], yBuf);
    int64_t const inner = productOf(x, 2, x.size());
    int64_t const planes = x[0] * channels;
    for (int64_t p = 0; p < planes; ++p) {
      float const s = scale[p % channels];
      float const t = shift[p % channels];
      float const* xp = v[0] + p * inner;
      float* yp = y + p * inner;
      for (int64_t i = 0; i < inner; ++i) yp[i] = xp[i] * s + t;
    }
    storeFloatOutput(out[0], yBuf);
  }

 private:
  float epsilon_;
};

}  // namespace

std::unique_ptr<Op> makeBatchNormOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"epsilon", "momentum", "training_mode", "spatial"});
  if (attrs.getInt("spatial", 1) != 1) fail(type, "unsupported attribute 'spatial' (0)");
  return std::make_unique<BatchNormOp>(attrs.getFloat("epsilon", 1e-5f));
}

}  // namespace ops
}  // namespace trtsim
