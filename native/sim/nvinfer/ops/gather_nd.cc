// GatherND (TensorRT's gather layer in kND mode, batch_dims as its element-wise dimensions): each row of the last
// indices axis addresses a slice of data; the first batch_dims axes of data and indices are walked together. Output:
// indices' shape without its last axis, then data's axes past batch_dims + that row length. The row length must be
// known at build time. Indices int32/int64, negative ones from the end; an index out of range fails the kernel, as a
// GPU's out-of-bounds read faults. Any data type but uint8 (the parser refuses it).
#include <algorithm>
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class GatherNDOp : public OpBase {
 public:
  explicit GatherNDOp(int64_t batchDims) : OpBase("GatherND", 2, 2), batchDims_(batchDims) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "data", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kINT32, DType::kINT64, DType::kBOOL});
    requireType(in[1], "indices", {DType::kINT32, DType::kINT64});
    Shape const& d = in[0].shape;
    Shape const& i = in[1].shape;
    Shape out = outputShape(d, i);
    if (in[1].constData && shapeVolume(d) >= 0) {
      std::vector<int64_t> values = constInts(name_, "indices", in[1]);
      int64_t const rowLength = i.back();
      for (size_t k = 0; k < values.size(); ++k) {
        size_t axis = static_cast<size_t>(batchDims_) + k % static_cast<size_t>(rowLength);
        elementIndex(name_, values[k], d[axis], static_cast<int64_t>(axis));
      }
    }
    return {TensorInfo{in[0].type, out, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& d = in[0].shape;
    Shape const& i = in[1].shape;
    expectShape(out[0], outputShape(d, i));
    size_t const b = static_cast<size_t>(batchDims_);
    int64_t const rowLength = i.back();
    int64_t const batches = productOf(d, 0, b);
    int64_t const rowsPerBatch = productOf(i, b, i.size() - 1);
    size_t const element = dtypeSize(in[0].type);
    size_t const slice = static_cast<size_t>(productOf(d, b + static_cast<size_t>(rowLength), d.size())) * element;
    size_t const batchBytes = static_cast<size_t>(productOf(d, b, d.size())) * element;
    std::vector<int64_t> strides = contiguousStrides(d);  // elements
    std::vector<int64_t> const indices = hostInts(in[1]);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    for (int64_t batch = 0; batch < batches; ++batch) {
      for (int64_t row = 0; row < rowsPerBatch; ++row) {
        int64_t offset = 0;
        for (int64_t k = 0; k < rowLength; ++k) {
          size_t axis = b + static_cast<size_t>(k);
          offset += elementIndex(name_, indices[static_cast<size_t>((batch * rowsPerBatch + row) * rowLength + k)], d[axis],
                                 static_cast<int64_t>(axis)) *
                    strides[axis];
        }
        if (slice > 0) std::memcpy(dst, src + batch * batchBytes + static_cast<size_t>(offset) * element, slice);
        dst += slice;
      }
    }
  }

 private:
  Shape outputShape(Shape const& d, Shape const& i) const {
    if (d.empty()) fail("data must have rank >= 1, got a scalar");
    if (i.empty()) fail("indices must have rank >= 1, got a scalar");
    int64_t const r = static_cast<int64_t>(d.size()), q = static_cast<int64_t>(i.size());
    if (batchDims_ < 0 || batchDims_ >= std::min(r, q)) {
      fail("batch_dims " + std::to_string(batchDims_) + " must be below the ranks of data (" + std::to_string(r) +
           ") and indices (" + std::to_string(q) + ")");
    }
    int64_t const rowLength = i.back();
    if (rowLength < 0) fail("the last extent of indices " + shapeToString(i) + " must be known at build time");
    if (rowLength < 1 || rowLength > r - batchDims_) {
      fail("the last extent of indices " + shapeToString(i) + " must be from 1 to " + std::to_string(r - batchDims_) +
           " (the rank of data " + shapeToString(d) + " less batch_dims)");
    }
    for (size_t k = 0; k < static_cast<size_t>(batchDims_); ++k) {
      if (d[k] >= 0 && i[k] >= 0 && d[k] != i[k]) {
        fail("the batch extents of data " + shapeToString(d) + " and indices " + shapeToString(i) + " differ on axis " + std::to_string(k));
      }
    }
    Shape out(i.begin(), i.end() - 1);
    out.insert(out.end(), d.begin() + batchDims_ + rowLength, d.end());
    return out;
  }

  int64_t batchDims_;
};

}  // namespace

std::unique_ptr<Op> makeGatherNDOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"batch_dims"});
  return std::make_unique<GatherNDOp>(attrs.getInt("batch_dims", 0));
}

}  // namespace ops
}  // namespace trtsim
