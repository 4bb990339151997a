// OneHot: for each index, a row of `depth` values that are values[0] (off) except values[1] (on) at the index, the new
// axis at `axis`. Negative indices count from depth; an index outside [-depth, depth) gives a row of off values.
// Integer or float indices (truncated); depth a one-element tensor, constant or computed from input extents.
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

int64_t firstValue(std::string const& op, HostTensor const& t) {
  int64_t v = 0;
  visitDType(op, t.type, [&](auto tag) {
    using Tag = decltype(tag);
    auto s = *static_cast<typename Tag::S const*>(t.data);
    if constexpr (Tag::kFloat) v = static_cast<int64_t>(Tag::toF(s));
    else v = Tag::toI(s);
  });
  return v;
}

class OneHotOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 1; }
  explicit OneHotOp(int64_t axis) : OpBase("OneHot", 3, 3), axis_(axis) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "indices", {DType::kFLOAT, DType::kHALF, DType::kINT8, DType::kUINT8, DType::kINT32, DType::kINT64});
    if (shapeVolume(in[1].shape) > 1) fail("depth must hold one value, got shape " + shapeToString(in[1].shape));
    if (in[2].shape.size() != 1 || (in[2].shape[0] >= 0 && in[2].shape[0] != 2)) fail("values must have shape [2], got " + shapeToString(in[2].shape));
    int64_t depth = -1;
    if (in[1].constData) {
      HostTensor t{in[1].type, in[1].shape, in[1].constData->data()};
      depth = firstValue(name_, t);
      if (depth < 1) fail("depth must be >= 1, got " + std::to_string(depth));
    }
    return {TensorInfo{in[2].type, outputShape(in[0].shape, depth), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    int64_t const depth = firstValue(name_, in[1]);
    if (depth < 1) fail("depth must be >= 1, got " + std::to_string(depth));
    Shape const& is = in[0].shape;
    Shape y = outputShape(is, depth);
    expectShape(out[0], y);
    size_t const axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(is.size()) + 1));
    int64_t const outer = productOf(is, 0, axis), inner = productOf(is, axis, is.size());
    size_t const element = dtypeSize(in[2].type);
    auto values = static_cast<uint8_t const*>(in[2].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    std::vector<int64_t> idx(static_cast<size_t>(shapeVolume(is)));
    visitDType(name_, in[0].type, [&](auto tag) {
      using Tag = decltype(tag);
      auto x = static_cast<typename Tag::S const*>(in[0].data);
      for (size_t i = 0; i < idx.size(); ++i) {
        if constexpr (Tag::kFloat) idx[i] = static_cast<int64_t>(Tag::toF(x[i]));
        else idx[i] = Tag::toI(x[i]);
      }
    });
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t d = 0; d < depth; ++d) {
        for (int64_t i = 0; i < inner; ++i) {
          int64_t v = idx[static_cast<size_t>(o * inner + i)];
          if (v < 0) v += depth;
          bool on = v == d;
          std::memcpy(dst + static_cast<size_t>((o * depth + d) * inner + i) * element, values + (on ? element : 0), element);
        }
      }
    }
  }

 private:
  Shape outputShape(Shape const& indices, int64_t depth) const {
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(indices.size()) + 1));
    Shape y = indices;
    y.insert(y.begin() + static_cast<std::ptrdiff_t>(axis), depth);
    return y;
  }

  int64_t axis_;
};

}  // namespace

std::unique_ptr<Op> makeOneHotOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"axis"});
  return std::make_unique<OneHotOp>(attrs.getInt("axis", -1));
}

}  // namespace ops
}  // namespace trtsim
