// LRN: local response normalization across channels (AlexNet, GoogLeNet), as TensorRT's LRN layer computes it:
// y = x / (bias + alpha / size * the sum of x² over the `size` channels centred on x's) ^ beta. The parser passes the
// attributes to the layer unchanged, so the layer's limits apply: an odd size from 1 to 15, alpha in [-1e20, 1e20],
// beta in [0.01, 1e5] and bias (the layer's k) in [1e-5, 1e10]. The layer takes float32. It windows the third axis
// from the end, which is ONNX's channel axis only for 4-D (NCHW) inputs: other ranks are refused as not modelled.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

struct LrnParameters {
  int64_t size = 0;
  float alpha = 1e-4f, beta = 0.75f, bias = 1.f;
};

class LrnOp : public OpBase {
 public:
  explicit LrnOp(LrnParameters p) : OpBase("LRN", 1, 1), p_(p) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return static_cast<double>(shapeVolume(in[0].shape)) * (2.0 * static_cast<double>(p_.size) + 4.0);
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "X", {DType::kFLOAT});
    if (in[0].shape.size() != 4) {
      fail("input X of shape " + shapeToString(in[0].shape) +
           " is not 4-D: the simulator models LRN over NCHW inputs only (TensorRT's layer windows the third axis from the end)");
    }
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    int64_t const batches = s[0], channels = s[1], plane = s[2] * s[3];
    int64_t const half = (p_.size - 1) / 2;
    double const scale = static_cast<double>(p_.alpha) / static_cast<double>(p_.size);
    auto x = static_cast<float const*>(in[0].data);
    auto y = static_cast<float*>(out[0].data);
    for (int64_t n = 0; n < batches; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        int64_t const first = std::max<int64_t>(c - half, 0), last = std::min(c + half, channels - 1);
        for (int64_t p = 0; p < plane; ++p) {
          double squares = 0;
          for (int64_t j = first; j <= last; ++j) {
            double v = x[(n * channels + j) * plane + p];
            squares += v * v;
          }
          int64_t at = (n * channels + c) * plane + p;
          y[at] = static_cast<float>(x[at] / std::pow(p_.bias + scale * squares, static_cast<double>(p_.beta)));
        }
      }
    }
  }

 private:
  LrnParameters p_;
};

std::string formatFloat(float v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void checkRange(std::string const& type, char const* what, float v, float lo, float hi) {
  if (!(v >= lo && v <= hi)) {
    fail(type, std::string(what) + " is " + formatFloat(v) + "; TensorRT's LRN layer takes [" + formatFloat(lo) + ", " +
                   formatFloat(hi) + "]");
  }
}

}  // namespace

std::unique_ptr<Op> makeLrnOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"size", "alpha", "beta", "bias"});
  if (!attrs.has("size")) fail(type, "the size attribute is required");
  LrnParameters p;
  p.size = attrs.getInt("size", 0);
  p.alpha = attrs.getFloat("alpha", p.alpha);
  p.beta = attrs.getFloat("beta", p.beta);
  p.bias = attrs.getFloat("bias", p.bias);
  if (p.size < 1 || p.size > 15 || p.size % 2 == 0) {
    fail(type, "size is " + std::to_string(p.size) + "; TensorRT's LRN layer takes an odd window from 1 to 15");
  }
  checkRange(type, "alpha", p.alpha, -1e20f, 1e20f);
  checkRange(type, "beta", p.beta, 0.01f, 1e5f);
  checkRange(type, "bias", p.bias, 1e-5f, 1e10f);
  return std::make_unique<LrnOp>(p);
}

}  // namespace ops
}  // namespace trtsim
