// NonZero: the coordinates of the non-zero elements of the input, as int64 [rank, count] in row-major element order
// (ONNX). The count depends on the values, so this is the simulator's data-dependent op: its output extent is -1
// until the kernel ran, like a TensorRT layer whose output TensorRT hands to an IOutputAllocator.
#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class NonZeroOp : public OpBase {
 public:
  NonZeroOp() : OpBase("NonZero", 1, 1) {}

  bool dataDependent() const override { return true; }

  std::vector<Shape> upperBounds(std::vector<TensorInfo> const& in) const override {
    return {Shape{static_cast<int64_t>(in[0].shape.size()), checkedVolume(name_, in[0].shape)}};
  }

  std::vector<Shape> computeDynamic(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& shape = in[0].shape;
    int64_t volume = checkedVolume(name_, shape);
    int64_t rank = static_cast<int64_t>(shape.size());
    if (out.size() != 1 || out[0].type != DType::kINT64 || out[0].shape != Shape{rank, volume}) {
      fail("output buffer must be int64 " + shapeToString({rank, volume}) + " (the upper bound)");
    }
    if (volume > 0 && (!in[0].data || !out[0].data)) fail("buffer is null");
    std::vector<int64_t> flat;  // flat indices of the non-zero elements
    visitDType(name_, in[0].type, [&](auto tag) {
      using T = decltype(tag);
      auto const* x = static_cast<typename T::S const*>(in[0].data);
      for (int64_t i = 0; i < volume; ++i) {
        bool nonZero;
        if constexpr (T::kFloat) {
          nonZero = T::toF(x[i]) != 0.f;  // NaN is non-zero, as in onnxruntime
        } else {
          nonZero = T::toI(x[i]) != 0;
        }
        if (nonZero) flat.push_back(i);
      }
    });
    int64_t count = static_cast<int64_t>(flat.size());
    auto* y = static_cast<int64_t*>(out[0].data);
    std::vector<int64_t> strides = contiguousStrides(shape);
    for (int64_t k = 0; k < count; ++k) {
      for (int64_t r = 0; r < rank; ++r) y[r * count + k] = flat[k] / strides[r] % shape[r];
    }
    return {Shape{rank, count}};
  }

  double flops(std::vector<HostTensor> const& in, std::vector<HostTensor> const& /*out*/) const override {
    return static_cast<double>(std::max<int64_t>(shapeVolume(in[0].shape), 0));
  }

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }

  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kUINT8, DType::kINT32,
                                 DType::kINT64, DType::kBOOL});
    if (in[0].shape.empty()) fail("a scalar input is not supported by the simulator (rank >= 1)");
    return {TensorInfo{DType::kINT64, Shape{static_cast<int64_t>(in[0].shape.size()), -1}, nullptr}};
  }

  void run(std::vector<HostTensor> const& /*in*/, std::vector<HostTensor> const& /*out*/) const override {
    fail("the output shape depends on the data: run it through computeDynamic");
  }
};

}  // namespace

std::unique_ptr<Op> makeNonZeroOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {});
  return std::make_unique<NonZeroOp>();
}

}  // namespace ops
}  // namespace trtsim
