// Normalizations over chosen axes, as TensorRT's parser builds them from reduce, unary and elementwise layers:
// - LpNormalization: x / norm along `axis` (default -1), the norm being sum(|x|) (p = 1) or sqrt(sum(x²)) (p = 2,
//   the default); a zero norm divides by 1. Other p are refused (the parser has no layers for them). float32 and
//   float16.
// - MeanVarianceNormalization: (x - mean) / (sqrt(mean((x - mean)²)) + 1e-9) over `axes` (default 0, 2, 3): the
//   parser's form, which cannot go negative as E(x²) - E(x)² can. float32, float16 and bfloat16.
// Both accumulate in double and round once.
#include <algorithm>
#include <cmath>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

// Which axes of a shape are reduced, and the reduced groups' layout: each output element belongs to one group, whose
// members are enumerated by walking the reduced axes.
class AxisGroups {
 public:
  AxisGroups(Shape const& shape, std::vector<bool> const& reduced) : shape_(shape), reduced_(reduced) {
    strides_ = contiguousStrides(shape);
  }

  // Calls f(offsets) for each group, with the element offsets of its members.
  template <typename F>
  void forEach(F f) const {
    Shape kept = shape_, inner = shape_;
    for (size_t d = 0; d < shape_.size(); ++d) (reduced_[d] ? kept : inner)[d] = 1;
    std::vector<int64_t> members;
    std::vector<int64_t> at(shape_.size(), 0), in(shape_.size(), 0);
    for (int64_t g = 0, groups = shapeVolume(kept); g < groups; ++g) {
      int64_t base = 0;
      for (size_t d = 0; d < shape_.size(); ++d) base += at[d] * strides_[d];
      members.clear();
      std::fill(in.begin(), in.end(), 0);
      for (int64_t m = 0, count = shapeVolume(inner); m < count; ++m) {
        int64_t offset = base;
        for (size_t d = 0; d < shape_.size(); ++d) offset += in[d] * strides_[d];
        members.push_back(offset);
        nextIndex(in, inner);
      }
      f(members);
      nextIndex(at, kept);
    }
  }

 private:
  Shape shape_;
  std::vector<bool> reduced_;
  std::vector<int64_t> strides_;
};

class LpNormalizationOp : public OpBase {
 public:
  LpNormalizationOp(int64_t axis, int64_t p) : OpBase("LpNormalization", 1, 1), axis_(axis), p_(p) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 3.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF});
    if (in[0].shape.empty()) fail("input must have rank >= 1, got a scalar");
    normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(in[0].shape.size()));
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    std::vector<bool> reduced(s.size(), false);
    reduced[static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size())))] = true;
    std::vector<float> xBuf, yBuf;
    float const* x = floatInput(in[0], xBuf);
    float* y = floatOutput(out[0], yBuf);
    AxisGroups(s, reduced).forEach([&](std::vector<int64_t> const& members) {
      double norm = 0;
      for (int64_t m : members) norm += p_ == 1 ? std::fabs(static_cast<double>(x[m])) : static_cast<double>(x[m]) * x[m];
      if (p_ == 2) norm = std::sqrt(norm);
      if (norm == 0) norm = 1;
      for (int64_t m : members) y[m] = static_cast<float>(x[m] / norm);
    });
    storeFloatOutput(out[0], yBuf);
  }

 private:
  int64_t axis_;
  int64_t p_;
};

class MeanVarianceNormalizationOp : public OpBase {
 public:
  explicit MeanVarianceNormalizationOp(std::vector<int64_t> axes) : OpBase("MeanVarianceNormalization", 1, 1), axes_(std::move(axes)) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return 6.0 * static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    reducedAxes(in[0].shape);
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    std::vector<float> xBuf, yBuf;
    float const* x = floatInput(in[0], xBuf);
    float* y = floatOutput(out[0], yBuf);
    AxisGroups(s, reducedAxes(s)).forEach([&](std::vector<int64_t> const& members) {
      double const n = static_cast<double>(members.size());
      double mean = 0, variance = 0;
      for (int64_t m : members) mean += x[m];
      mean /= n;
      for (int64_t m : members) variance += (x[m] - mean) * (x[m] - mean);
      double const deviation = std::sqrt(variance / n) + 1e-9;
      for (int64_t m : members) y[m] = static_cast<float>((x[m] - mean) / deviation);
    });
    storeFloatOutput(out[0], yBuf);
  }

 private:
  std::vector<bool> reducedAxes(Shape const& s) const {
    std::vector<bool> reduced(s.size(), false);
    for (int64_t a : axes_) {
      size_t d = static_cast<size_t>(normalizeAxis(name_, "axis", a, static_cast<int64_t>(s.size())));
      if (reduced[d]) fail("axis " + std::to_string(a) + " is listed more than once in axes");
      reduced[d] = true;
    }
    return reduced;
  }

  std::vector<int64_t> axes_;
};

}  // namespace

std::unique_ptr<Op> makeLpNormalizationOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"axis", "p"});
  int64_t p = attrs.getInt("p", 2);
  if (p != 1 && p != 2) fail(type, "p is " + std::to_string(p) + "; only the L1 and L2 norms (p = 1 or 2) are supported");
  return std::make_unique<LpNormalizationOp>(attrs.getInt("axis", -1), p);
}

std::unique_ptr<Op> makeMeanVarianceNormalizationOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"axes"});
  return std::make_unique<MeanVarianceNormalizationOp>(attrs.getInts("axes", {0, 2, 3}));
}

}  // namespace ops
}  // namespace trtsim
