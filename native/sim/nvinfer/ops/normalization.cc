// LayerNormalization (opset 17): Y, and the optional Mean and InvStdDev outputs (float32).
// Statistics use two passes in double; Y is computed in float from the rounded statistics (as onnxruntime).
// stash_type is the precision TensorRT computes in (its parser converts it to the layer's compute precision):
// 16 (bfloat16) and 10 (float16) round the statistics to that type; any other value keeps float32, as there.
#include <cmath>

#include "common.h"
#include "half.h"

namespace trtsim {
namespace ops {
namespace {

class LayerNormOp : public OpBase {
 public:
  LayerNormOp(int64_t axis, float epsilon, int64_t stashType)
      : OpBase("LayerNormalization", 2, 3, 3), axis_(axis), epsilon_(epsilon), stashType_(stashType) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 8.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  // Checks that `p` (Scale or B) broadcasts unidirectionally to X's shape (numpy rules: the output keeps X's shape).
  void checkParam(Shape const& x, Shape const& p, char const* what) const {
    if (p.size() > x.size()) {
      fail(std::string(what) + " of shape " + shapeToString(p) + " has a higher rank than the input " + shapeToString(x));
    }
    for (size_t i = 0; i < p.size(); ++i) {
      int64_t pd = p[i];
      int64_t xd = x[x.size() - p.size() + i];
      if (pd >= 0 && pd != 1 && xd >= 0 && pd != xd) {
        fail(std::string(what) + " of shape " + shapeToString(p) + " does not broadcast to the input shape " +
             shapeToString(x));
      }
    }
  }

  int64_t axisFor(Shape const& x) const {
    if (x.empty()) fail("input X must have rank >= 1, got a scalar");
    return normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(x.size()));
  }

  Shape statShape(Shape const& x, int64_t axis) const {
    Shape s(x.begin(), x.begin() + axis);
    s.resize(x.size(), 1);
    return s;
  }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input X", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    requireSameType(in[0], in[1], "input X", "Scale");
    if (in.size() > 2) requireSameType(in[0], in[2], "input X", "B");
    int64_t axis = axisFor(in[0].shape);
    checkParam(in[0].shape, in[1].shape, "Scale");
    if (in.size() > 2) checkParam(in[0].shape, in[2].shape, "B");
    Shape st = statShape(in[0].shape, axis);
    return {TensorInfo{in[0].type, in[0].shape, nullptr}, TensorInfo{DType::kFLOAT, st, nullptr},
            TensorInfo{DType::kFLOAT, st, nullptr}};
  }

  // Expands a Scale/B tensor: to one value per normalized element when it is constant over the outer (row) dims
  // (*rowStride = 0), else to one value per element of X (*rowStride = normalized size).
  static void expand(HostTensor const& p, Shape const& x, int64_t axis, std::vector<float>& dst, int64_t* rowStride) {
    std::vector<float> buf;
    float const* v = floatInput(p, buf);
    Shape norm(x.begin() + axis, x.end());
    Shape ps = p.shape;
    bool perRow = false;
    while (ps.size() > norm.size()) {
      if (ps.front() != 1) perRow = true;
      if (perRow) break;
      ps.erase(ps.begin());
    }
    Shape target = perRow ? x : norm;
    if (perRow) ps = p.shape;
    *rowStride = perRow ? shapeVolume(norm) : 0;
    dst.resize(static_cast<size_t>(shapeVolume(target)));
    StridedPlan plan = makeBroadcastPlan(target, {ps});
    forEachRow(plan, [&](int64_t const* off, int64_t len, int64_t const* s) {
      for (int64_t j = 0; j < len; ++j) dst[static_cast<size_t>(off[0] + j)] = v[off[1] + j * s[1]];
    });
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& xs = in[0].shape;
    int64_t axis = axisFor(xs);
    checkParam(xs, in[1].shape, "Scale");
    if (in.size() > 2) checkParam(xs, in[2].shape, "B");
    expectShape(out[0], xs, "Y");
    Shape st = statShape(xs, axis);
    float* meanOut = nullptr;
    float* invOut = nullptr;
    if (out.size() > 1 && out[1].data) {
      if (out[1].type != DType::kFLOAT) fail("the Mean output must be float32");
      expectShape(out[1], st, "Mean");
      meanOut = static_cast<float*>(out[1].data);
    }
    if (out.size() > 2 && out[2].data) {
      if (out[2].type != DType::kFLOAT) fail("the InvStdDev output must be float32");
      expectShape(out[2], st, "InvStdDev");
      invOut = static_cast<float*>(out[2].data);
    }
    int64_t n = productOf(xs, static_cast<size_t>(axis), xs.size());
    int64_t rows = productOf(xs, 0, static_cast<size_t>(axis));
    std::vector<float> scale, bias, xbuf, ybuf;
    int64_t scaleStride = 0, biasStride = 0;
    expand(in[1], xs, axis, scale, &scaleStride);
    if (in.size() > 2) expand(in[2], xs, axis, bias, &biasStride);
    float const* x = floatInput(in[0], xbuf);
    float* y = floatOutput(out[0], ybuf);
    double const eps = epsilon_;
    for (int64_t r = 0; r < rows; ++r) {
      float const* xr = x + r * n;
      float* yr = y + r * n;
      float const* sr = scale.data() + r * scaleStride;
      // Statistics in double (two passes); the normalization itself in float with the float-rounded mean and
      // 1/stddev, as onnxruntime's CPU kernel does (this matters when |mean| >> stddev).
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += xr[j];
      double mean = sum / static_cast<double>(n);
      double sq = 0;
      for (int64_t j = 0; j < n; ++j) {
        double d = xr[j] - mean;
        sq += d * d;
      }
      double inv = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
      float const mf = stash(static_cast<float>(mean));
      float const invf = stash(static_cast<float>(inv));
      if (bias.empty()) {
        for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mf) * invf * sr[j];
      } else {
        float const* br = bias.data() + r * biasStride;
        for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - mf) * invf * sr[j] + br[j];
      }
      if (meanOut) meanOut[r] = mf;
      if (invOut) invOut[r] = invf;
    }
    storeFloatOutput(out[0], ybuf);
  }

  // A statistic as the compute precision holds it (ONNX TensorProto types: 10 float16, 16 bfloat16).
  float stash(float v) const {
    if (stashType_ == 16) return bf16ToFloat(floatToBf16(v));
    if (stashType_ == 10) return halfToFloat(floatToHalf(v));
    return v;
  }

 private:
  int64_t axis_;
  float epsilon_;
  int64_t stashType_;
};

}  // namespace

std::unique_ptr<Op> makeLayerNormOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"axis", "epsilon", "stash_type"});
  return std::make_unique<LayerNormOp>(attrs.getInt("axis", -1), attrs.getFloat("epsilon", 1e-5f),
                                       attrs.getInt("stash_type", 1));
}

}  // namespace ops
}  // namespace trtsim
