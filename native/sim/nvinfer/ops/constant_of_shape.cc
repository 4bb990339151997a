// ConstantOfShape: a tensor of the given shape filled with one value (the `value` attribute, a one-element tensor
// whose type the output takes; float32 0 without it). The shape input may be computed from a dynamic input's
// extents (Shape -> Concat), as exported attention masks do: the extents are then known at run time. A shape computed
// from tensor data fails the build's profile check (shapes.cc), as any op whose extents would depend on data.
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class ConstantOfShapeOp : public OpBase {
 public:
  bool isShapeInput(int index) const override { return index == 0; }
  ConstantOfShapeOp(DType type, std::vector<uint8_t> value)
      : OpBase("ConstantOfShape", 1, 1), type_(type), value_(std::move(value)) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kINT64});
    if (in[0].shape.size() != 1) fail("the input must be a 1-D shape, got shape " + shapeToString(in[0].shape));
    if (!in[0].constData) return {TensorInfo{type_, Shape(static_cast<size_t>(std::max<int64_t>(in[0].shape[0], 0)), -1), nullptr}};
    return {TensorInfo{type_, checkedShape(constInts(name_, "shape", in[0])), nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], checkedShape(hostInts(in[0])));
    auto dst = static_cast<uint8_t*>(out[0].data);
    size_t const element = value_.size();
    for (int64_t i = 0, n = shapeVolume(out[0].shape); i < n; ++i) std::memcpy(dst + static_cast<size_t>(i) * element, value_.data(), element);
  }

 private:
  Shape checkedShape(std::vector<int64_t> const& dims) const {
    for (int64_t d : dims) {
      if (d < 0) fail("the shape " + shapeToString(dims) + " has a negative extent");
    }
    return dims;
  }

  DType type_;
  std::vector<uint8_t> value_;  // one element's bytes
};

}  // namespace

std::unique_ptr<Op> makeConstantOfShapeOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"value"});
  Attribute const* value = attrs.getTensor("value");
  if (!value) return std::make_unique<ConstantOfShapeOp>(DType::kFLOAT, std::vector<uint8_t>(4, 0));
  if (shapeVolume(value->tensorShape) != 1) {
    fail(type, "the value attribute must hold one element, got shape " + shapeToString(value->tensorShape));
  }
  if (value->tensorBytes.size() != dtypeSize(value->tensorType)) fail(type, "the value attribute has the wrong size");
  return std::make_unique<ConstantOfShapeOp>(value->tensorType, value->tensorBytes);
}

}  // namespace ops
}  // namespace trtsim
