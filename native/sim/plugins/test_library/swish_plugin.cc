// libtrtsim_test_plugins: a custom plugin library, as a user would build one, for the tests of loading plugin
// libraries (IPluginRegistry::loadLibrary). It exports getCreators as TensorRT requires of such a library.
// Its one plugin, Swish_TRTN (version 1, default namespace), computes y = x * sigmoid(beta * x) with the float field
// `beta` (default 1), so its results can be checked against onnxruntime on the same graph written with Sigmoid and
// Mul.
#include <cmath>

#include "../../nvinfer/ops/common.h"
#include "../creator_base.h"

namespace trtsim {
namespace plugins {
namespace {

class SwishOp : public ops::OpBase {
 public:
  explicit SwishOp(float beta) : OpBase("Swish_TRTN", 1, 1), beta_(beta) {}

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "x", {DType::kFLOAT, DType::kHALF});
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }
  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    std::vector<float> xBuf, yBuf;
    float const* x = ops::floatInput(in[0], xBuf);
    float* y = ops::floatOutput(out[0], yBuf);
    int64_t n = shapeVolume(in[0].shape);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.f + std::exp(-beta_ * x[i]));
    ops::storeFloatOutput(out[0], yBuf);
  }

 private:
  float beta_;
};

class SwishCreator : public CreatorV3 {
 public:
  SwishCreator()
      : CreatorV3("Swish_TRTN", "1",
                    {nvinfer1::PluginField("beta", nullptr, nvinfer1::PluginFieldType::kFLOAT32, 1)}) {}
  std::unique_ptr<Op> createOp(Attributes const& fields) const override {
    return std::make_unique<SwishOp>(fields.getFloat("beta", 1.f));
  }
};

}  // namespace
}  // namespace plugins
}  // namespace trtsim

extern "C" TENSORRTAPI nvinfer1::IPluginCreatorInterface* const* getCreators(int32_t& nbCreators) {
  static trtsim::plugins::SwishCreator swish;
  static nvinfer1::IPluginCreatorInterface* const creators[] = {&swish};
  nbCreators = 1;
  return creators;
}
