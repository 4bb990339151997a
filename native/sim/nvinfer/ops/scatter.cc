// ScatterND and ScatterElements without reduction: a copy of data with the elements the indices name replaced by
// updates. TensorRT's parser refuses ScatterND's reduction attribute whatever its value, and sends ScatterElements
// with a reduction to a plugin the simulator does not have; both are refused. When several indices name the same
// element the last one wins (the order is unspecified on a GPU). An index out of range fails the kernel, as a GPU's
// out-of-bounds write faults.
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class ScatterNDOp : public OpBase {
 public:
  ScatterNDOp() : OpBase("ScatterND", 3, 3) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[1], "indices", {DType::kINT64});
    requireSameType(in[0], in[2], "data", "updates");
    Shape const& d = in[0].shape;
    Shape const& i = in[1].shape;
    if (d.empty() || i.empty()) fail("data and indices must have rank >= 1");
    int64_t k = i.back();
    if (k >= 0 && k > static_cast<int64_t>(d.size())) fail("indices address " + std::to_string(k) + " axes of data of rank " + std::to_string(d.size()));
    if (k >= 0) {
      // updates = indices.shape[:-1] + data.shape[k:]
      size_t want = i.size() - 1 + d.size() - static_cast<size_t>(k);
      if (in[2].shape.size() != want) {
        fail("updates of shape " + shapeToString(in[2].shape) + " must have rank " + std::to_string(want) + " for indices " +
             shapeToString(i) + " into data " + shapeToString(d));
      }
    }
    return {TensorInfo{in[0].type, d, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& d = in[0].shape;
    expectShape(out[0], d);
    size_t const element = dtypeSize(in[0].type);
    size_t const bytes = static_cast<size_t>(shapeVolume(d)) * element;
    if (bytes && out[0].data != in[0].data) std::memmove(out[0].data, in[0].data, bytes);
    std::vector<int64_t> idx = hostInts(in[1]);
    size_t const k = static_cast<size_t>(in[1].shape.back());
    if (k == 0 && !idx.empty()) fail("indices address 0 axes");
    size_t const slice = static_cast<size_t>(productOf(d, k, d.size())) * element;
    std::vector<int64_t> strides = contiguousStrides(d);
    auto dst = static_cast<uint8_t*>(out[0].data);
    auto upd = static_cast<uint8_t const*>(in[2].data);
    size_t const count = k ? idx.size() / k : 0;
    if (static_cast<int64_t>(count * slice) != shapeVolume(in[2].shape) * static_cast<int64_t>(element)) {
      fail("updates of shape " + shapeToString(in[2].shape) + " do not match indices " + shapeToString(in[1].shape));
    }
    for (size_t n = 0; n < count; ++n) {
      int64_t offset = 0;
      for (size_t a = 0; a < k; ++a) offset += elementIndex(name_, idx[n * k + a], d[a], static_cast<int64_t>(a)) * strides[a];
      std::memcpy(dst + static_cast<size_t>(offset) * element, upd + n * slice, slice);
    }
  }
};

class ScatterElementsOp : public OpBase {
 public:
  explicit ScatterElementsOp(int64_t axis) : OpBase("ScatterElements", 3, 3), axis_(axis) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[1], "indices", {DType::kINT32, DType::kINT64});
    requireSameType(in[0], in[2], "data", "updates");
    Shape const& d = in[0].shape;
    if (d.empty()) fail("data must have rank >= 1, got a scalar");
    if (in[1].shape.size() != d.size() || in[2].shape.size() != d.size()) {
      fail("indices " + shapeToString(in[1].shape) + " and updates " + shapeToString(in[2].shape) + " must have the rank of data " + shapeToString(d));
    }
    normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(d.size()));
    return {TensorInfo{in[0].type, d, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& d = in[0].shape;
    Shape const& is = in[1].shape;
    expectShape(out[0], d);
    if (in[2].shape != is) fail("updates " + shapeToString(in[2].shape) + " must have the shape of indices " + shapeToString(is));
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(d.size())));
    for (size_t a = 0; a < d.size(); ++a) {
      if (a != axis && is[a] > d[a]) fail("indices of shape " + shapeToString(is) + " exceed data " + shapeToString(d));
    }
    size_t const element = dtypeSize(in[0].type);
    size_t const bytes = static_cast<size_t>(shapeVolume(d)) * element;
    if (bytes && out[0].data != in[0].data) std::memmove(out[0].data, in[0].data, bytes);
    std::vector<int64_t> idx = hostInts(in[1]);
    std::vector<int64_t> strides = contiguousStrides(d);
    auto dst = static_cast<uint8_t*>(out[0].data);
    auto upd = static_cast<uint8_t const*>(in[2].data);
    std::vector<int64_t> at(is.size(), 0);
    for (size_t n = 0; n < idx.size(); ++n) {
      int64_t offset = 0;
      for (size_t a = 0; a < d.size(); ++a) offset += (a == axis ? elementIndex(name_, idx[n], d[a], axis_) : at[a]) * strides[a];
      std::memcpy(dst + static_cast<size_t>(offset) * element, upd + n * element, element);
      nextIndex(at, is);
    }
  }

 private:
  int64_t axis_;
};

}  // namespace

std::unique_ptr<Op> makeScatterOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  if (type == "ScatterND") {
    checkAttributes(type, attrs, {"reduction"});
    if (attrs.has("reduction")) fail(type, "the reduction attribute is not supported (TensorRT's parser refuses it)");
    return std::make_unique<ScatterNDOp>();
  }
  checkAttributes(type, attrs, {"axis", "reduction"});
  std::string reduction = attrs.getString("reduction", "none");
  if (reduction != "none") fail(type, "reduction " + reduction + " is not supported (TensorRT runs it as a plugin the simulator does not have)");
  return std::make_unique<ScatterElementsOp>(attrs.getInt("axis", 0));
}

}  // namespace ops
}  // namespace trtsim
