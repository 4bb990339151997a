// Dropout at inference, as TensorRT's parser builds it: the output is the input, and the optional mask is
// Equal(x, x) from opset 12 (true but where x is NaN) and Less(x, x) before (all false). Training mode, as the
// training_mode input (opset 12; it must then be a constant) or is_test = 0 (before opset 7), is refused.
#include <cmath>
#include <cstring>

#include "common.h"

namespace trtsim {
namespace ops {
namespace {

class DropoutOp : public OpBase {
 public:
  explicit DropoutOp(bool maskTrue) : OpBase("Dropout", 1, 3, 2), maskTrue_(maskTrue) {}

  double flops(std::vector<HostTensor> const&, std::vector<HostTensor> const&) const override { return 0; }

 protected:
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    if (in.size() > 2 && !in[2].omitted) {
      if (!in[2].constData) fail("the training_mode input must be a constant");
      requireType(in[2], "training_mode", {DType::kBOOL});
      if ((*in[2].constData)[0] != 0) fail("training mode is not supported (TensorRT runs Dropout for inference only)");
    }
    return {TensorInfo{in[0].type, in[0].shape, nullptr}, TensorInfo{DType::kBOOL, in[0].shape, nullptr}};
  }

  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    expectShape(out[0], in[0].shape);
    int64_t n = shapeVolume(in[0].shape);
    size_t bytes = static_cast<size_t>(n) * dtypeSize(in[0].type);
    if (bytes && out[0].data != in[0].data) std::memmove(out[0].data, in[0].data, bytes);
    if (out.size() < 2 || !out[1].data) return;
    expectShape(out[1], in[0].shape, "mask");
    auto mask = static_cast<uint8_t*>(out[1].data);
    if (!maskTrue_ || !isFloatType(in[0].type)) {
      std::memset(mask, maskTrue_ ? 1 : 0, static_cast<size_t>(n));
      return;
    }
    std::vector<float> buf;
    float const* x = floatInput(in[0], buf);
    for (int64_t i = 0; i < n; ++i) mask[i] = !std::isnan(x[i]);
  }

 private:
  bool maskTrue_;
};

}  // namespace

std::unique_ptr<Op> makeDropoutOp(std::string const& type, Attributes const& attrs, int64_t opset) {
  checkAttributes(type, attrs, {"is_test", "ratio", "seed", "consumed_inputs"});
  if (attrs.has("is_test") && attrs.getInt("is_test", 1) == 0) fail(type, "training mode (is_test = 0) is not supported");
  return std::make_unique<DropoutOp>(opset <= 0 || opset >= 12);
}

}  // namespace ops
}  // namespace trtsim
