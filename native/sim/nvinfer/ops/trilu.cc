// Trilu: the upper (upper=1, the default) or lower triangle of the last two axes, the rest zeroed; k (an optional
// int64 scalar, read when the kernel runs) moves the diagonal up (k > 0) or down. Any data type, bytes moved: the
// causal masks of exported decoders.
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class TriluOp : public OpBase {
 public:
  explicit TriluOp(bool upper) : OpBase("Trilu", 1, 2), upper_(upper) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (in[0].shape.size() < 2) fail("input must have rank >= 2, got shape " + shapeToString(in[0].shape));
    if (in.size() > 1 && !in[1].omitted) {
      requireType(in[1], "k", {DType::kINT64});
      if (shapeVolume(in[1].shape) > 1) fail("k must be a scalar, got shape " + shapeToString(in[1].shape));
    }
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    Shape const& s = in[0].shape;
    expectShape(out[0], s);
    int64_t k = in.size() > 1 && !in[1].omitted ? hostInts(in[1]).at(0) : 0;
    int64_t const rows = s[s.size() - 2], cols = s[s.size() - 1];
    int64_t const matrices = productOf(s, 0, s.size() - 2);
    size_t const element = dtypeSize(in[0].type);
    auto src = static_cast<uint8_t const*>(in[0].data);
    auto dst = static_cast<uint8_t*>(out[0].data);
    for (int64_t m = 0; m < matrices; ++m) {
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < cols; ++j) {
          size_t at = static_cast<size_t>((m * rows + i) * cols + j) * element;
          bool keep = upper_ ? j - i >= k : j - i <= k;
          if (keep) std::memcpy(dst + at, src + at, element);
          else std::memset(dst + at, 0, element);
        }
      }
    }
  }

 private:
  bool upper_;
};

}  // namespace

std::unique_ptr<Op> makeTriluOp(std::string const& type, Attributes const& attrs, int64_t /*opset*/) {
  checkAttributes(type, attrs, {"upper"});
  return std::make_unique<TriluOp>(attrs.getInt("upper", 1) != 0);
}

}  // namespace ops
}  // namespace trtsim
