// EyeLike: ones on a diagonal (k above the main one; below when negative), zeros elsewhere, in the input's 2-D shape
// and type or the `dtype` attribute's. TensorRT's parser makes it a constant, so the shape must be known at build
// time; the output is folded there. uint8 inputs are refused, as the parser does.
#include <memory>
#include <optional>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class EyeLikeOp : public OpBase {
 public:
  EyeLikeOp(std::optional<DType> type, int64_t k) : OpBase("EyeLike", 1, 1), type_(type), k_(k) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kINT32, DType::kINT64, DType::kBOOL});
    Shape const& s = in[0].shape;
    if (s.size() != 2) fail("only 2-D inputs are supported, got shape " + shapeToString(s));
    if (s[0] < 0 || s[1] < 0) fail("the shape " + shapeToString(s) + " must be known at build time (TensorRT's parser makes EyeLike a constant)");
    DType const type = type_.value_or(in[0].type);
    auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(shapeVolume(s)) * dtypeSize(type));
    fill(type, s, bytes->data());
    return {TensorInfo{type, s, bytes}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], in[0].shape);
    fill(out[0].type, out[0].shape, out[0].data);
  }

 private:
  void fill(DType type, Shape const& s, void* data) const {
    visitDType(name_, type, [&](auto tag) {
      using Tag = decltype(tag);
      using S = typename Tag::S;
      S zero, one;
      if constexpr (Tag::kFloat) {
        zero = Tag::fromF(0.f);
        one = Tag::fromF(1.f);
      } else {
        zero = Tag::fromI(0);
        one = Tag::fromI(1);
      }
      auto y = static_cast<S*>(data);
      for (int64_t r = 0; r < s[0]; ++r) {
        for (int64_t c = 0; c < s[1]; ++c) y[r * s[1] + c] = c - r == k_ ? one : zero;
      }
    });
  }

  std::optional<DType> type_;
  int64_t k_;
};

}  // namespace

std::unique_ptr<Op> makeEyeLikeOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"dtype", "k"});
  std::optional<DType> dtype;
  if (attrs.has("dtype")) {
    DType d;
    if (!onnxToDType(attrs.getInt("dtype", 0), &d)) fail(type, "unsupported value " + std::to_string(attrs.getInt("dtype", 0)) + " for attribute 'dtype'");
    dtype = d;
  }
  return std::make_unique<EyeLikeOp>(dtype, attrs.getInt("k", 0));
}

}  // namespace ops
}  // namespace trtsim
