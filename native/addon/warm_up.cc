#include "warm_up.h"

#include "device_scope.h"
#include "errors.h"
#include "run_submission.h"
#include "states.h"

namespace trtn {

namespace {

// Device memory for a data-dependent output during the warm-up; the result is not read. Stream-ordered, like the
// context's own buffers: a cudaFree would wait for every stream of the device, other contexts' runs included.
class ScratchSink : public DynamicOutputSink {
 public:
  explicit ScratchSink(CudaApi const& cuda) : mCuda(cuda) {}
  ~ScratchSink() override { release(); }
  void* reallocate(size_t bytes, cuda::Stream stream) override {
    if (mData && mBytes >= bytes) return mData;
    release();
    mStream = stream;
    if (mCuda.cudaMallocAsync(&mData, bytes, stream) != 0) mData = nullptr;
    mBytes = mData ? bytes : 0;
    return mData;
  }
  void shape(std::vector<int64_t> const&) override {}
  void release() {
    if (mData) mCuda.cudaFreeAsync(mData, mStream);
    mData = nullptr;
    mBytes = 0;
  }

 private:
  CudaApi const& mCuda;
  cuda::Stream mStream = nullptr;
  void* mData = nullptr;
  size_t mBytes = 0;
};

ProfileShapes const* profileEntry(EngineInfo const& info, int32_t profile, TensorInfo const& input) {
  if (static_cast<size_t>(profile) < info.profiles.size()) {
    for (ProfileShapes const& p : info.profiles[profile]) {
      if (p.tensor == input.name) return &p;
    }
  }
  return nullptr;
}

std::vector<int64_t> optShape(EngineInfo const& info, int32_t profile, TensorInfo const& input) {
  ProfileShapes const* entry = profileEntry(info, profile, input);
  return entry ? entry->opt : input.shape;  // static: no profile entry
}

// Shape tensor inputs get the profile's optimum values, in the host memory the context's runs bind (run_submission.cc),
// before any output shape is read: the output shapes depend on them. An engine that does not tell its values (one
// TensorRT cannot answer getProfileTensorValues for) gets zeros, as other inputs do.
bool bindOptimumValues(ContextState& ctx, int32_t profile, Failure& failure) {
  EngineState const& engine = *ctx.engine;
  EngineInfo const& info = engine.engine->info();
  for (size_t i = 0; i < engine.inputs.size(); ++i) {
    if (!engine.hostInputs[i]) continue;
    TensorInfo const& input = info.tensors[engine.inputs[i]];
    ProfileShapes const* entry = profileEntry(info, profile, input);
    std::vector<int64_t> opt = entry ? entry->optValues : std::vector<int64_t>{};
    if (opt.empty()) opt.assign(volume(optShape(info, profile, input)), 0);
    uint8_t* values = ctx.hostValues[i].write(input.dataType, opt);
    if (!ctx.bindTensor(engine.inputs[i], values, failure)) return false;
    ++ctx.bindingsEpoch;  // the values changed under the same address
  }
  return true;
}

bool warmUpRun(ContextState& ctx, int32_t profile, Failure& failure) {
  CudaApi const& api = ctx.cuda();
  EngineState const& engine = *ctx.engine;
  EngineInfo const& info = engine.engine->info();
  for (size_t i = 0; i < engine.inputs.size(); ++i) {
    if (!ctx.applyInputShape(i, optShape(info, profile, info.tensors[engine.inputs[i]]), failure)) return false;
  }
  if (engine.anyHostInput && !bindOptimumValues(ctx, profile, failure)) return false;
  std::vector<ScratchSink*> scratch;
  for (size_t t = 0; t < info.tensors.size(); ++t) {
    TensorInfo const& tensor = info.tensors[t];
    if (tensor.location == "host") continue;  // inputs bound above, outputs below
    std::vector<int64_t> dims = ctx.context->tensorShape(tensor.name);
    if (!tensor.isInput && hasUnknownExtent(dims)) {
      auto sink = std::make_unique<ScratchSink>(api);
      if (!ctx.context->setOutputSink(tensor.name, sink.get(), failure)) return false;
      scratch.push_back(sink.get());
      ctx.warmUpSinks.push_back(std::move(sink));
      continue;
    }
    size_t bytes = deviceBytesOf(tensor, dims, volume(dims) * dataTypeSize(tensor.dataType));
    GrowableDeviceBuffer& buffer = ctx.deviceBuffers[t];
    if (int rc = ctx.ensureCapacity(buffer, bytes)) {
      failure = cudaFailure(api, rc, "cudaMallocAsync");
      return false;
    }
    if (tensor.isInput && bytes > 0) {
      // Zeros are in range for every input: indices, masks and values alike.
      if (int rc = api.cudaMemsetAsync(buffer.data, 0, bytes, ctx.stream)) {
        failure = cudaFailure(api, rc, "cudaMemsetAsync");
        return false;
      }
    }
    if (!ctx.bindTensor(static_cast<int>(t), buffer.data, failure)) return false;
  }
  if (engine.anyHostOutput && !ctx.refreshShapeOutputs(failure)) return false;
  bool enqueued = ctx.context->enqueue(ctx.stream, failure);
  int rc = api.cudaStreamSynchronize(ctx.stream);
  for (ScratchSink* sink : scratch) sink->release();
  if (!enqueued) return false;
  if (rc != 0) {
    failure = cudaFailure(api, rc, "cudaStreamSynchronize after the warm-up run");
    return false;
  }
  return true;
}

}  // namespace

bool selectProfileAndWarmUp(ContextState& ctx, int32_t profile, bool warmUp, Failure& failure) {
  if (profile == 0 && !warmUp) return true;
  DeviceScope device(ctx.cuda(), ctx.deviceIndex());
  if (profile != 0) {
    if (!ctx.context->setProfile(profile, ctx.stream, failure)) return false;
    ++ctx.bindingsEpoch;
  }
  return !warmUp || warmUpRun(ctx, profile, failure);
}

}  // namespace trtn
