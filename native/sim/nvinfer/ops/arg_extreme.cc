// ArgMax / ArgMin: the int64 index of the largest or smallest element along one axis (TensorRT's parser uses a TopK
// layer with k = 1). Ties give the first index, or the last with select_last_index (opset 12). NaN is skipped unless
// the whole row is NaN (index 0): TensorRT does not document its order for NaN, so models should not rely on it.
// uint8, int8 and bool data are refused, as TopK takes float and 32/64-bit integer types.
// Hardmax: 1 where ArgMax would point, 0 elsewhere, in the input's float type (the parser builds it from the same
// TopK and a OneHot, and refuses integer data). Before opset 13 the input is flattened to 2-D at `axis` (default 1)
// and each row's largest is taken over everything from `axis` on; from 13 along `axis` (default -1).
#include <algorithm>
#include <cmath>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

template <typename Tag>
bool isNaN(typename Tag::S v) {
  if constexpr (Tag::kFloat) return std::isnan(Tag::toF(v));
  else return false;
}

// Whether `v` replaces the current best `b`: strictly better, or equal when the last index is wanted.
template <typename Tag>
bool better(typename Tag::S v, typename Tag::S b, bool largest, bool lastIndex) {
  if constexpr (Tag::kFloat) {
    float fv = Tag::toF(v), fb = Tag::toF(b);
    if (std::isnan(fv)) return false;
    return largest ? (fv > fb || (lastIndex && fv == fb)) : (fv < fb || (lastIndex && fv == fb));
  } else {
    return largest ? (v > b || (lastIndex && v == b)) : (v < b || (lastIndex && v == b));
  }
}

// The index of the largest (smallest) of `extent` elements `stride` apart; NaN is skipped, 0 when all are NaN.
template <typename Tag>
int64_t bestIndex(typename Tag::S const* row, int64_t extent, int64_t stride, bool largest, bool lastIndex) {
  int64_t best = -1;
  for (int64_t k = 0; k < extent; ++k) {
    typename Tag::S v = row[k * stride];
    if (best < 0 ? isNaN<Tag>(v) : !better<Tag>(v, row[best * stride], largest, lastIndex)) continue;
    best = k;
  }
  return best < 0 ? 0 : best;
}

class ArgExtremeOp : public OpBase {
 public:
  ArgExtremeOp(std::string name, bool largest, int64_t axis, bool keepDims, bool lastIndex)
      : OpBase(std::move(name), 1, 1), largest_(largest), axis_(axis), keepDims_(keepDims), lastIndex_(lastIndex) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "data", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT32, DType::kINT64});
    Shape const& s = in[0].shape;
    if (s.empty()) fail("data must have rank >= 1, got a scalar");
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size())));
    if (s[axis] == 0) fail("axis " + std::to_string(axis_) + " is empty in shape " + shapeToString(s));
    return {TensorInfo{DType::kINT64, outputShape(s, axis), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size())));
    if (s[axis] == 0) fail("axis " + std::to_string(axis_) + " is empty in shape " + shapeToString(s));
    expectShape(out[0], outputShape(s, axis));
    int64_t const outer = productOf(s, 0, axis);
    int64_t const extent = s[axis];
    int64_t const inner = productOf(s, axis + 1, s.size());
    auto y = static_cast<int64_t*>(out[0].data);
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      auto x = static_cast<S const*>(in[0].data);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          y[o * inner + i] = bestIndex<Tag>(x + o * extent * inner + i, extent, inner, largest_, lastIndex_);
        }
      }
    });
  }

 private:
  Shape outputShape(Shape const& s, size_t axis) const {
    Shape out = s;
    if (keepDims_) {
      out[axis] = 1;
    } else {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(axis));
    }
    return out;
  }

  bool largest_;
  int64_t axis_;
  bool keepDims_;
  bool lastIndex_;
};

class HardmaxOp : public OpBase {
 public:
  HardmaxOp(int64_t axis, bool flattened) : OpBase("Hardmax", 1, 1), axis_(axis), flattened_(flattened) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16});
    Shape const& s = in[0].shape;
    if (s.empty()) fail("input must have rank >= 1, got a scalar");
    Layout l = layout(s);
    if (l.extent == 0) failEmpty(s);
    return {TensorInfo{in[0].type, s, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    Layout l = layout(s);
    if (l.extent == 0) failEmpty(s);
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      if constexpr (Tag::kFloat) {
        auto x = static_cast<S const*>(in[0].data);
        auto y = static_cast<S*>(out[0].data);
        S const zero = Tag::fromF(0.f), one = Tag::fromF(1.f);
        std::fill(y, y + shapeVolume(s), zero);
        for (int64_t o = 0; o < l.outer; ++o) {
          for (int64_t i = 0; i < l.inner; ++i) {
            int64_t at = o * l.extent * l.inner + i;
            y[at + bestIndex<Tag>(x + at, l.extent, l.inner, true, false) * l.inner] = one;
          }
        }
      }
    });
  }

 private:
  // Rows of `extent` elements `inner` apart, `outer` times.
  struct Layout {
    int64_t outer, extent, inner;
  };
  Layout layout(Shape const& s) const {
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size())));
    if (flattened_) return {productOf(s, 0, axis), productOf(s, axis, s.size()), 1};
    return {productOf(s, 0, axis), s[axis], productOf(s, axis + 1, s.size())};
  }

  [[noreturn]] void failEmpty(Shape const& s) const {
    fail("axis " + std::to_string(axis_) + " of shape " + shapeToString(s) +
         " holds no element: TensorRT's parser builds Hardmax from a TopK with K = 1");
  }

  int64_t axis_;
  bool flattened_;
};

}  // namespace

std::unique_ptr<Op> makeHardmaxOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  checkAttributes(type, attrs, {"axis"});
  bool flattened = opset < 13;
  return std::make_unique<HardmaxOp>(attrs.getInt("axis", flattened ? 1 : -1), flattened);
}

std::unique_ptr<Op> makeArgExtremeOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"axis", "keepdims", "select_last_index"});
  return std::make_unique<ArgExtremeOp>(type, type == "ArgMax", attrs.getInt("axis", 0), attrs.getInt("keepdims", 1) != 0,
                                        attrs.getInt("select_last_index", 0) != 0);
}

}  // namespace ops
}  // namespace trtsim
