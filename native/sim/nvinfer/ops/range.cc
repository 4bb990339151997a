// Range: start, start + delta, ... up to (not including) limit, from three scalars of one type (float32, int32,
// int64). Its length depends on their values, so they must be known when the shapes are: constants, or computed
// from input extents (Range(0, Shape(x)[1], 1) for position ids), which fold once the extents are known. Until
// then the length is -1.
#include <cmath>
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class RangeOp : public OpBase {
 public:
  bool isShapeInput(int) const override { return true; }
  RangeOp() : OpBase("Range", 3, 3) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const& out) const override {
    return static_cast<double>(shapeVolume(out[0].shape));
  }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "start", {DType::kFLOAT, DType::kINT32, DType::kINT64});
    char const* names[] = {"start", "limit", "delta"};
    for (size_t k = 0; k < 3; ++k) {
      if (k > 0) requireSameType(in[0], in[k], "start", names[k]);
      if (shapeVolume(in[k].shape) != 1) fail(std::string(names[k]) + " must be a scalar, got shape " + shapeToString(in[k].shape));
    }
    if (!in[0].constData || !in[1].constData || !in[2].constData) return {TensorInfo{in[0].type, Shape{-1}, nullptr}};
    double values[3];
    for (size_t k = 0; k < 3; ++k) values[k] = scalar(in[k].type, constBytes(name_, in[k]));
    return {TensorInfo{in[0].type, Shape{length(values[0], values[1], values[2])}, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    double start = scalar(in[0].type, in[0].data);
    double delta = scalar(in[2].type, in[2].data);
    int64_t n = length(start, scalar(in[1].type, in[1].data), delta);
    expectShape(out[0], Shape{n});
    // Element i is start + i * delta in the type's own arithmetic, as onnxruntime computes it.
    if (in[0].type == DType::kFLOAT) {
      float const s = static_cast<float>(start), d = static_cast<float>(delta);
      auto y = static_cast<float*>(out[0].data);
      for (int64_t i = 0; i < n; ++i) y[i] = s + static_cast<float>(i) * d;
    } else if (in[0].type == DType::kINT32) {
      auto y = static_cast<int32_t*>(out[0].data);
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<int32_t>(static_cast<int64_t>(start) + i * static_cast<int64_t>(delta));
    } else {
      auto y = static_cast<int64_t*>(out[0].data);
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<int64_t>(start) + i * static_cast<int64_t>(delta);
    }
  }

 private:
  static double scalar(DType type, void const* data) {
    if (type == DType::kFLOAT) {
      float v;
      std::memcpy(&v, data, 4);
      return v;
    }
    if (type == DType::kINT32) {
      int32_t v;
      std::memcpy(&v, data, 4);
      return v;
    }
    int64_t v;
    std::memcpy(&v, data, 8);
    return static_cast<double>(v);
  }

  int64_t length(double start, double limit, double delta) const {
    if (delta == 0) fail("delta must not be 0");
    double n = std::ceil((limit - start) / delta);
    if (!(n <= static_cast<double>(int64_t{1} << 40))) fail("the range has too many elements");
    return n > 0 ? static_cast<int64_t>(n) : 0;
  }
};

}  // namespace

std::unique_ptr<Op> makeRangeOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {});
  return std::make_unique<RangeOp>();
}

}  // namespace ops
}  // namespace trtsim
