// CumSum: running sums along one axis (the axis input: an int32/int64 scalar that must be constant, as TensorRT's
// parser requires), optionally exclusive (each sum leaves out its own element) and/or reversed. Float sums run in
// float, rounded at each step as a loop over the axis does; integer sums wrap.
#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class CumSumOp : public OpBase {
 public:
  CumSumOp(bool exclusive, bool reverse) : OpBase("CumSum", 2, 2), exclusive_(exclusive), reverse_(reverse) {}

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "x", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT32, DType::kINT64});
    if (!in[1].constData) fail("the axis input must be a constant (TensorRT's parser takes no computed axis)");
    std::vector<int64_t> axis = constInts(name_, "axis", in[1]);
    if (axis.size() != 1) fail("axis must hold one value, got " + std::to_string(axis.size()));
    if (in[0].shape.empty()) fail("x must have rank >= 1, got a scalar");
    normalizeAxis(name_, "axis", axis[0], static_cast<int64_t>(in[0].shape.size()));
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", hostInts(in[1]).at(0), static_cast<int64_t>(s.size())));
    int64_t const outer = productOf(s, 0, axis), extent = s[axis], inner = productOf(s, axis + 1, s.size());
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      auto x = static_cast<S const*>(in[0].data);
      auto y = static_cast<S*>(out[0].data);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          S sum = zero<Tag>();
          for (int64_t step = 0; step < extent; ++step) {
            int64_t k = reverse_ ? extent - 1 - step : step;
            int64_t at = (o * extent + k) * inner + i;
            S next = add<Tag>(sum, x[at]);
            y[at] = exclusive_ ? sum : next;
            sum = next;
          }
        }
      }
    });
  }

 private:
  template <typename Tag>
  static typename Tag::S zero() {
    if constexpr (Tag::kFloat) return Tag::fromF(0.f);
    else return Tag::fromI(0);
  }
  template <typename Tag>
  static typename Tag::S add(typename Tag::S a, typename Tag::S b) {
    if constexpr (Tag::kFloat) return Tag::fromF(Tag::toF(a) + Tag::toF(b));
    else return Tag::fromI(wrapAdd<int64_t>(Tag::toI(a), Tag::toI(b)));
  }

  bool exclusive_;
  bool reverse_;
};

}  // namespace

std::unique_ptr<Op> makeCumSumOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"exclusive", "reverse"});
  return std::make_unique<CumSumOp>(attrs.getInt("exclusive", 0) != 0, attrs.getInt("reverse", 0) != 0);
}

}  // namespace ops
}  // namespace trtsim
