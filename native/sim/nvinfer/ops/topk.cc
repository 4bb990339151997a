// TopK: the K largest (or smallest) elements along an axis and their int64 indices, always sorted (TensorRT's TopK
// layer sorts; sorted=0 leaves the order to the implementation). K is an attribute before opset 10 and an int64
// input from 10, read when the kernel runs (it may be computed from input extents); a constant K above TensorRT's
// limit of 3840 is refused. Ties keep the lower index first; NaN sorts after every number (TensorRT does not say).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

constexpr int64_t kMaxK = 3840;

class TopKOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 1; }
  TopKOp(bool kAsInput, int64_t attrK, int64_t axis, bool largest)
      : OpBase("TopK", kAsInput ? 2 : 1, kAsInput ? 2 : 1, 2), kAsInput_(kAsInput), attrK_(attrK), axis_(axis), largest_(largest) {}

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const&) const override {
    return static_cast<double>(shapeVolume(in[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "X", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT32, DType::kINT64});
    Shape out = in[0].shape;
    if (out.empty()) fail("X must have rank >= 1, got a scalar");
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(out.size())));
    int64_t k = attrK_;
    if (kAsInput_) {
      requireType(in[1], "K", {DType::kINT64});
      if (shapeVolume(in[1].shape) > 1) fail("K must hold one value, got shape " + shapeToString(in[1].shape));
      k = in[1].constData ? constInts(name_, "K", in[1]).at(0) : -1;
    }
    if (k > kMaxK) fail("K is " + std::to_string(k) + "; TensorRT's TopK takes at most " + std::to_string(kMaxK));
    if (k >= 0) checkK(k, out[axis]);
    out[axis] = k;
    return {TensorInfo{in[0].type, out, nullptr}, TensorInfo{DType::kINT64, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(s.size())));
    int64_t const k = kAsInput_ ? hostInts(in[1]).at(0) : attrK_;
    checkK(k, s[axis]);
    Shape outShape = s;
    outShape[axis] = k;
    expectShape(out[0], outShape, "Values");
    int64_t const outer = productOf(s, 0, axis), extent = s[axis], inner = productOf(s, axis + 1, s.size());
    auto indicesOut = out.size() > 1 ? static_cast<int64_t*>(out[1].data) : nullptr;
    std::vector<int64_t> order(static_cast<size_t>(extent));
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      auto x = static_cast<S const*>(in[0].data);
      auto values = static_cast<S*>(out[0].data);
      for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
          auto at = [&](int64_t j) { return value<Tag>(x[(o * extent + j) * inner + i]); };
          std::iota(order.begin(), order.end(), 0);
          std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
            double va = at(a), vb = at(b);
            if (std::isnan(va) || std::isnan(vb)) return !std::isnan(va) && std::isnan(vb);
            return largest_ ? va > vb : va < vb;
          });
          for (int64_t r = 0; r < k; ++r) {
            int64_t dst = (o * k + r) * inner + i;
            values[dst] = x[(o * extent + order[static_cast<size_t>(r)]) * inner + i];
            if (indicesOut) indicesOut[dst] = order[static_cast<size_t>(r)];
          }
        }
      }
    });
  }

 private:
  template <typename Tag>
  static double value(typename Tag::S v) {
    if constexpr (Tag::kFloat) return Tag::toF(v);
    else return static_cast<double>(Tag::toI(v));
  }

  void checkK(int64_t k, int64_t extent) const {
    if (k < 0) fail("K must be >= 0, got " + std::to_string(k));
    if (extent >= 0 && k > extent) fail("K is " + std::to_string(k) + ", more than the axis extent " + std::to_string(extent));
  }

  bool kAsInput_;
  int64_t attrK_;
  int64_t axis_;
  bool largest_;
};

}  // namespace

std::unique_ptr<Op> makeTopKOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  bool const kAsInput = opset <= 0 || opset >= 10;
  if (kAsInput) {
    checkAttributes(type, attrs, {"axis", "largest", "sorted"});
  } else {
    checkAttributes(type, attrs, {"axis", "k"});
    if (!attrs.has("k")) fail(type, "the k attribute is required before opset 10");
  }
  return std::make_unique<TopKOp>(kAsInput, attrs.getInt("k", 0), attrs.getInt("axis", -1), attrs.getInt("largest", 1) != 0);
}

}  // namespace ops
}  // namespace trtsim
