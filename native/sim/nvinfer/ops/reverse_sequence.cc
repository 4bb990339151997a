// ReverseSequence: along time_axis (default 0), reverses the first sequence_lens[b] elements of each batch entry b of
// batch_axis (default 1) and keeps the rest, as TensorRT's reverse-sequence layer. The two axes must differ and lie
// within the input's rank (at least 2). A length outside [0, the time extent] fails the kernel, as the out-of-range
// read it makes on a GPU. Any data type but uint8 (the parser refuses it); lengths int32 or int64.
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class ReverseSequenceOp : public OpBase {
 public:
  ReverseSequenceOp(int64_t batchAxis, int64_t timeAxis)
      : OpBase("ReverseSequence", 2, 2), batchAxis_(batchAxis), timeAxis_(timeAxis) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "input", {DType::kFLOAT, DType::kHALF, DType::kBF16, DType::kINT8, DType::kINT32, DType::kINT64, DType::kBOOL});
    requireType(in[1], "sequence_lens", {DType::kINT32, DType::kINT64});
    Shape const& s = in[0].shape;
    int64_t const rank = static_cast<int64_t>(s.size());
    if (rank < 2) fail("input must have rank >= 2, got shape " + shapeToString(s));
    if (in[1].shape.size() != 1) fail("sequence_lens must be 1-D, got shape " + shapeToString(in[1].shape));
    for (int64_t axis : {batchAxis_, timeAxis_}) {
      if (axis < 0 || axis >= rank) fail("batch_axis and time_axis must lie in [0, " + std::to_string(rank) + "), got " + std::to_string(axis));
    }
    if (batchAxis_ == timeAxis_) fail("batch_axis and time_axis must differ, both are " + std::to_string(batchAxis_));
    int64_t const batch = s[static_cast<size_t>(batchAxis_)], lens = in[1].shape[0];
    if (batch >= 0 && lens >= 0 && batch != lens) {
      fail("sequence_lens has " + std::to_string(lens) + " values for a batch of " + std::to_string(batch) + " (axis " +
           std::to_string(batchAxis_) + " of " + shapeToString(s) + ")");
    }
    return {TensorInfo{in[0].type, s, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    size_t const b = static_cast<size_t>(batchAxis_), t = static_cast<size_t>(timeAxis_);
    std::vector<int64_t> lens = hostInts(in[1]);
    if (static_cast<int64_t>(lens.size()) != s[b]) fail("sequence_lens has " + std::to_string(lens.size()) + " values for a batch of " + std::to_string(s[b]));
    for (int64_t len : lens) {
      if (len < 0 || len > s[t]) fail("sequence length " + std::to_string(len) + " is out of range [0, " + std::to_string(s[t]) + "]");
    }
    std::vector<int64_t> strides = contiguousStrides(s);
    size_t const element = dtypeSize(in[0].type);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    std::vector<int64_t> index(s.size(), 0);
    for (int64_t n = 0, total = shapeVolume(s); n < total; ++n) {
      int64_t const len = lens[static_cast<size_t>(index[b])];
      int64_t const time = index[t] < len ? len - 1 - index[t] : index[t];
      int64_t const from = n + (time - index[t]) * strides[t];
      std::memcpy(dst + static_cast<size_t>(n) * element, src + static_cast<size_t>(from) * element, element);
      nextIndex(index, s);
    }
  }

 private:
  int64_t batchAxis_;
  int64_t timeAxis_;
};

}  // namespace

std::unique_ptr<Op> makeReverseSequenceOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"batch_axis", "time_axis"});
  return std::make_unique<ReverseSequenceOp>(attrs.getInt("batch_axis", 1), attrs.getInt("time_axis", 0));
}

}  // namespace ops
}  // namespace trtsim
