// Max, Min, Sum and Mean of one or more inputs, broadcast together. TensorRT's parser chains one elementwise layer
// per extra input, so the result is folded left to right and rounded to the tensor's type at every step; Mean is
// that Sum times 1/n. In Max and Min a NaN wins, as in onnxruntime and numpy (TensorRT does not document it).
#include <cmath>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

enum class FoldKind { kMax, kMin, kSum, kMean };

class VariadicOp : public OpBase {
 public:
  VariadicOp(std::string name, FoldKind kind) : OpBase(std::move(name), 1, 1 << 16), kind_(kind) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    return static_cast<double>(in.size()) * static_cast<double>(shapeVolume(out[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    bool minMax = kind_ == FoldKind::kMax || kind_ == FoldKind::kMin;
    std::vector<Shape> shapes;
    for (size_t k = 0; k < in.size(); ++k) {
      if (minMax) {
        requireType(in[k], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT32, DType::kINT64});
      } else {
        requireType(in[k], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16});
      }
      requireSameType(in[0], in[k], "input 0", ("input " + std::to_string(k)).c_str());
      shapes.push_back(in[k].shape);
    }
    return {TensorInfo{in[0].type, broadcastShapes(name_, shapes), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    std::vector<Shape> shapes;
    for (HostTensor const& t : in) shapes.push_back(t.shape);
    Shape shape = broadcastShapes(name_, shapes);
    expectShape(out[0], shape);
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      auto y = static_cast<S*>(out[0].data);
      // y = input 0 broadcast, then y = f(y, input k) for every further input.
      StridedPlan first = makeBroadcastPlan(shape, {in[0].shape});
      auto x0 = static_cast<S const*>(in[0].data);
      forEachRow(first, [&](int64_t const* off, int64_t n, int64_t const* s) {
        for (int64_t j = 0; j < n; ++j) y[off[0] + j] = x0[off[1] + j * s[1]];
      });
      for (size_t k = 1; k < in.size(); ++k) {
        StridedPlan plan = makeBroadcastPlan(shape, {in[k].shape});
        auto xk = static_cast<S const*>(in[k].data);
        forEachRow(plan, [&](int64_t const* off, int64_t n, int64_t const* s) {
          for (int64_t j = 0; j < n; ++j) y[off[0] + j] = combine<Tag>(y[off[0] + j], xk[off[1] + j * s[1]]);
        });
      }
      if constexpr (Tag::kFloat) {
        if (kind_ == FoldKind::kMean) {
          float scale = 1.f / static_cast<float>(in.size());
          for (int64_t i = 0, n = shapeVolume(shape); i < n; ++i) y[i] = Tag::fromF(Tag::toF(y[i]) * scale);
        }
      }
    });
  }

 private:
  template <typename Tag>
  typename Tag::S combine(typename Tag::S a, typename Tag::S b) const {
    if constexpr (Tag::kFloat) {
      float fa = Tag::toF(a), fb = Tag::toF(b);
      switch (kind_) {
        case FoldKind::kMax: return std::isnan(fa) ? a : std::isnan(fb) ? b : Tag::fromF(std::fmax(fa, fb));
        case FoldKind::kMin: return std::isnan(fa) ? a : std::isnan(fb) ? b : Tag::fromF(std::fmin(fa, fb));
        default: return Tag::fromF(fa + fb);
      }
    } else {
      switch (kind_) {
        case FoldKind::kMax: return a < b ? b : a;
        case FoldKind::kMin: return b < a ? b : a;
        default: return wrapAdd(a, b);
      }
    }
  }

  FoldKind kind_;
};

}  // namespace

std::unique_ptr<Op> makeVariadicOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {});
  FoldKind kind = type == "Max" ? FoldKind::kMax : type == "Min" ? FoldKind::kMin : type == "Sum" ? FoldKind::kSum : FoldKind::kMean;
  return std::make_unique<VariadicOp>(type, kind);
}

}  // namespace ops
}  // namespace trtsim
