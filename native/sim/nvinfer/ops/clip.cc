// Clip: y = min(max(x, min), max), so a min above max gives max (as the ONNX spec says). The bounds are attributes
// before opset 11 (float only) and optional scalar inputs from opset 11 (integer types from 12), read when the
// kernel runs, so they may be computed at run time. An absent bound is the type's lowest or largest finite value
// (as the ONNX spec and onnxruntime have it: -Infinity is clipped to -FLT_MAX); NaN stays NaN.
#include <algorithm>
#include <cmath>
#include <limits>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class ClipOp : public OpBase {
 public:
  // attrMin/attrMax: the bounds of an opset < 11 node (the inputs carry them from 11).
  ClipOp(bool boundsAsInputs, bool intTypes, float attrMin, float attrMax)
      : OpBase("Clip", 1, boundsAsInputs ? 3 : 1),
        boundsAsInputs_(boundsAsInputs),
        intTypes_(intTypes),
        attrMin_(attrMin),
        attrMax_(attrMax) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 2.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (intTypes_) {
      requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kUINT8, DType::kINT32, DType::kINT64});
    } else {
      requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    }
    for (size_t k = 1; k < in.size(); ++k) {
      char const* what = k == 1 ? "min" : "max";
      if (in[k].omitted) continue;
      requireSameType(in[0], in[k], "input", what);
      int64_t volume = shapeVolume(in[k].shape);
      if (volume != 1 && !(volume < 0 && in[k].shape.size() <= 1)) {
        fail(std::string(what) + " must be a scalar, got shape " + shapeToString(in[k].shape));
      }
    }
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], in[0].shape);
    int64_t n = shapeVolume(in[0].shape);
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      auto x = static_cast<S const*>(in[0].data);
      auto y = static_cast<S*>(out[0].data);
      if constexpr (Tag::kFloat) {
        float lo = boundsAsInputs_ ? bound<Tag>(in, 1, std::numeric_limits<float>::lowest()) : attrMin_;
        float hi = boundsAsInputs_ ? bound<Tag>(in, 2, std::numeric_limits<float>::max()) : attrMax_;
        for (int64_t i = 0; i < n; ++i) {
          float v = Tag::toF(x[i]);
          y[i] = std::isnan(v) ? x[i] : Tag::fromF(std::fmin(std::fmax(v, lo), hi));
        }
      } else if constexpr (std::is_same<Tag, BoolTag>::value) {
        fail("input has unsupported type bool");
      } else {
        S lo = bound<Tag>(in, 1, std::numeric_limits<S>::lowest());
        S hi = bound<Tag>(in, 2, std::numeric_limits<S>::max());
        for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo), hi);
      }
    });
  }

 private:
  // The scalar bound input `k`, or `fallback` when it is absent.
  template <typename Tag, typename V>
  static V bound(std::vector<HostTensor> const& in, size_t k, V fallback) {
    if (k >= in.size() || in[k].omitted) return fallback;
    auto v = *static_cast<typename Tag::S const*>(in[k].data);
    if constexpr (Tag::kFloat) return Tag::toF(v);
    else return v;
  }

  bool boundsAsInputs_;
  bool intTypes_;
  float attrMin_;
  float attrMax_;
};

}  // namespace

std::unique_ptr<Op> makeClipOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  bool inputs = opset <= 0 || opset >= 11;
  if (inputs) {
    checkAttributes(type, attrs, {});
  } else {
    checkAttributes(type, attrs, {"min", "max"});
  }
  float const lowest = std::numeric_limits<float>::lowest();
  float const largest = std::numeric_limits<float>::max();
  return std::make_unique<ClipOp>(inputs, opset <= 0 || opset >= 12, attrs.getFloat("min", lowest),
                                  attrs.getFloat("max", largest));
}

}  // namespace ops
}  // namespace trtsim
