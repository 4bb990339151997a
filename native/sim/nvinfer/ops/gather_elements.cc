// GatherElements: out[i][j][k] = data[index[i][j][k]][j][k] along `axis` (there the index; elsewhere the output's
// own coordinates, which must lie within data). Indices int32/int64, negative ones from the end; any data type.
// An index out of range fails the kernel, as a GPU's out-of-bounds read faults.
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class GatherElementsOp : public OpBase {
 public:
  explicit GatherElementsOp(int64_t axis) : OpBase("GatherElements", 2, 2), axis_(axis) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[1], "indices", {DType::kINT32, DType::kINT64});
    Shape const& d = in[0].shape;
    Shape const& i = in[1].shape;
    if (d.empty()) fail("data must have rank >= 1, got a scalar");
    if (i.size() != d.size()) fail("indices of shape " + shapeToString(i) + " must have the rank of data " + shapeToString(d));
    int64_t axis = normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(d.size()));
    for (size_t a = 0; a < d.size(); ++a) {
      if (static_cast<int64_t>(a) != axis && d[a] >= 0 && i[a] > d[a]) {
        fail("indices of shape " + shapeToString(i) + " exceed data " + shapeToString(d) + " on axis " + std::to_string(a));
      }
    }
    return {TensorInfo{in[0].type, i, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& d = in[0].shape;
    Shape const& is = in[1].shape;
    expectShape(out[0], is);
    size_t axis = static_cast<size_t>(normalizeAxis(name_, "axis", axis_, static_cast<int64_t>(d.size())));
    for (size_t a = 0; a < d.size(); ++a) {
      if (a != axis && is[a] > d[a]) fail("indices of shape " + shapeToString(is) + " exceed data " + shapeToString(d));
    }
    std::vector<int64_t> idx = hostInts(in[1]);
    std::vector<int64_t> strides = contiguousStrides(d);
    size_t const element = dtypeSize(in[0].type);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    std::vector<int64_t> at(is.size(), 0);
    for (size_t n = 0; n < idx.size(); ++n) {
      int64_t const v = elementIndex(name_, idx[n], d[axis], axis_);
      int64_t offset = 0;
      for (size_t a = 0; a < d.size(); ++a) offset += (a == axis ? v : at[a]) * strides[a];
      std::memcpy(dst + n * element, src + static_cast<size_t>(offset) * element, element);
      nextIndex(at, is);
    }
  }

 private:
  int64_t axis_;
};

}  // namespace

std::unique_ptr<Op> makeGatherElementsOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"axis"});
  return std::make_unique<GatherElementsOp>(attrs.getInt("axis", 0));
}

}  // namespace ops
}  // namespace trtsim
