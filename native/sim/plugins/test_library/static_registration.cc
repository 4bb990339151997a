// libtrtsim_test_static_plugins: a plugin library of the older kind, for the tests of loading one. It exports nothing
// and registers its creator from a static initializer when it is loaded, as TensorRT's REGISTER_TENSORRT_PLUGIN does
// (trtexec loads such libraries with --staticPlugins). Its one plugin, Clamp_TRTN (version 1), clamps x to
// [min, max] (float fields), so its results can be checked against onnxruntime's Clip.
#include <algorithm>

#include "../../nvinfer/ops/common.h"
#include "../creator_base.h"

namespace trtsim {
namespace plugins {
namespace {

class ClampOp : public ops::OpBase {
 public:
  ClampOp(float lo, float hi) : OpBase("Clamp_TRTN", 1, 1), lo_(lo), hi_(hi) {}

 protected:
  Fold foldPolicy() const override { return Fold::kNever; }
  std::vector<TensorInfo> infer(std::vector<TensorInfo> const& in) const override {
    requireType(in[0], "x", {DType::kFLOAT});
    return {TensorInfo{in[0].type, in[0].shape, nullptr}};
  }
  void run(std::vector<HostTensor> const& in, std::vector<HostTensor> const& out) const override {
    auto const* x = static_cast<float const*>(in[0].data);
    auto* y = static_cast<float*>(out[0].data);
    int64_t n = shapeVolume(in[0].shape);
    for (int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(x[i], lo_), hi_);
  }

 private:
  float lo_, hi_;
};

class ClampCreator : public CreatorV3 {
 public:
  ClampCreator()
      : CreatorV3("Clamp_TRTN", "1",
                  {nvinfer1::PluginField("min", nullptr, nvinfer1::PluginFieldType::kFLOAT32, 1),
                   nvinfer1::PluginField("max", nullptr, nvinfer1::PluginFieldType::kFLOAT32, 1)}) {}
  std::unique_ptr<Op> createOp(Attributes const& fields) const override {
    float lo = fields.getFloat("min", 0.f), hi = fields.getFloat("max", 1.f);
    if (!(lo <= hi)) ops::fail("Clamp_TRTN", "min must not exceed max");
    return std::make_unique<ClampOp>(lo, hi);
  }
};

// REGISTER_TENSORRT_PLUGIN's way: a static object whose constructor registers the creator.
struct Registration {
  Registration() { getPluginRegistry()->registerCreator(creator, ""); }
  ClampCreator creator;
} const registration;

}  // namespace
}  // namespace plugins
}  // namespace trtsim
