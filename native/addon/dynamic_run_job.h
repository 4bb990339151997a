// One run of a context whose engine has data-dependent output shapes (dynamic_run.h): filled on the JS thread
// (inputs, output targets), then on the launcher thread (dynamic_launch.cc: outputs or the failure), and settled on
// the JS thread from the completion queue.
#pragma once

#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../backend/backend.h"
#include "completion.h"
#include "device_scope.h"
#include "dynamic_run.h"
#include "errors.h"
#include "js_bytes.h"
#include "run_submission.h"
#include "settled_bytes.h"
#include "states.h"

namespace trtn {

class DynamicRunJob : public CompletionJob {
 public:
  DynamicRunJob(Napi::Env env, uint32_t ticket) : CompletionJob(env, ticket) {}
  ~DynamicRunJob() override {
    releaseDeviceCopies();
    releaseStaging();
    for (napi_ref target : hostTargets) {  // on the JS thread, or leaked before (leakJsHandles)
      if (target) napi_delete_reference(settlement.Env(), target);
    }
  }

  void leakJsHandles() override {
    hostTargets.clear();  // leaked with the environment
    if (ctx) ctx->leakJsHandles();
  }

  void settle(Napi::Env env, int cudaStatus) override {
    ctx->inFlight--;
    for (auto const& target : deviceTargets) {
      if (target) target->pendingLauncherWrites--;
    }
    if (failure || cudaStatus != 0) {
      Failure f = failure ? *failure : cudaFailure(ctx->cuda(), cudaStatus, "the run on the GPU");
      if (!failure) f.code = "CUDA_ERROR";
      releaseStaging();
      settlement.Reject(toJsError(env, f).Value());
      return;
    }
    for (Output& out : outputs) {
      if (out.formatted) unstageFormatted(*out.formatted, out.dims, static_cast<uint8_t*>(outputStaging.data) + out.stagingOffset);
    }
    if (!copyToHostTargets(env)) return;
    size_t n = outputs.size();
    // Output dims as the previous settled run's (a data-dependent extent that repeats): the compact forms.
    bool allHost = std::none_of(outputs.begin(), outputs.end(), [](Output const& o) { return o.onDevice; });
    bool sameDims = allHost && ctx->lastDynamicDims.size() == n;
    for (size_t o = 0; sameDims && o < n; ++o) sameDims = ctx->lastDynamicDims[o] == outputs[o].dims;
    if (sameDims) {
      SettlingOutputs settling(n);
      for (size_t o = 0; o < n; ++o) {
        settling[o] = SettlingOutput{stagingAt(outputs[o]), outputs[o].bytes, !hostTargets.empty() && hostTargets[o]};
      }
      Napi::Value result = compactResult(env, settling.data(), n);
      releaseStaging();
      settlement.Resolve(result);
      return;
    }
    ctx->lastDynamicDims.clear();  // stays empty after a run with outputs on the device: those settle with their dims
    for (size_t o = 0; allHost && o < n; ++o) ctx->lastDynamicDims.push_back(outputs[o].dims);
    // [dims of every output, output 0 bytes, output 1 bytes, ...]: the dims are this run's own; outputs copied into
    // the caller's arrays have `undefined` bytes.
    Napi::Array results = Napi::Array::New(env, n + 1);
    Napi::Array dims = Napi::Array::New(env, n);
    for (size_t o = 0; o < n; ++o) {
      Output const& out = outputs[o];
      Napi::Array one = Napi::Array::New(env, out.dims.size());
      for (size_t k = 0; k < out.dims.size(); ++k) one.Set(static_cast<uint32_t>(k), static_cast<double>(out.dims[k]));
      dims.Set(static_cast<uint32_t>(o), one);
      if (out.onDevice || (!hostTargets.empty() && hostTargets[o])) continue;
      results.Set(static_cast<uint32_t>(o + 1), outputBytes(env, stagingAt(out), out.bytes));
    }
    results.Set(uint32_t{0}, dims);
    releaseStaging();
    settlement.Resolve(results);
  }

  // Only now is the size of a data-dependent output known: an array too small for it rejects the run. Arrays given
  // by their byte length are only checked here; JS fills them from the result.
  bool copyToHostTargets(Napi::Env env) {
    for (size_t o = 0; o < hostTargets.size(); ++o) {
      Output const& out = outputs[o];
      size_t have = countedTargets.empty() ? kNotCounted : countedTargets[o];
      bool fits = have != kNotCounted ? have >= out.bytes
                  : !hostTargets[o] || copyIntoTypedArray(env, hostTargets[o],
                                                          static_cast<uint8_t*>(outputStaging.data) + out.stagingOffset,
                                                          out.bytes, &have);
      if (!fits) {
        releaseStaging();
        std::string name = ctx->engine->engine->info().tensors[ctx->engine->outputs[o]].name;
        settlement.Reject(jsError(env, "INVALID_INPUT", "the array given for output '" + name + "' holds " +
                                                      std::to_string(have) + " bytes; this run's " + dimsText(out.dims) +
                                                      " needs " + std::to_string(out.bytes), name).Value());
        return false;
      }
    }
    return true;
  }

  // Device copies of DeviceTensor inputs that the launcher never took over (the run failed before): freed after the
  // copy into them, on the stream that made it.
  void releaseDeviceCopies() {
    if (!ctx) return;
    RuntimeState const& runtime = *ctx->engine->runtime;
    DeviceScope device(runtime.cuda(), runtime.device);  // at settle, or on the reaper after a worker exited
    for (Input& in : inputs) {
      if (in.deviceCopy) runtime.cuda().cudaFreeAsync(in.deviceCopy, in.copyStream);
      if (in.copied) runtime.cuda().cudaEventDestroy(in.copied);
      in.deviceCopy = nullptr;
      in.copied = nullptr;
    }
  }

  void releaseStaging() {
    if (!ctx) return;
    if (inputStaging.data) ctx->staging->release(inputStaging);
    inputStaging = PinnedBuffer{};
    if (outputStaging.data) ctx->dynamic->outputStaging.release(outputStaging);
    outputStaging = PinnedBuffer{};
  }

  struct Input {
    std::vector<int64_t> dims;
    size_t bytes = 0;        // row-major
    size_t deviceBytes = 0;  // in the engine's layout (deviceBytesOf), as staged
    size_t stagingOffset = 0;
    // A DeviceTensor input: its bytes copied on the JS thread, in the buffer's order of uses, into memory of this run
    // (the launcher queues the run later, too late for the buffer's next user to wait for it); `copied` completes
    // when the copy did.
    void* deviceCopy = nullptr;
    cuda::Event copied = nullptr;
    cuda::Stream copyStream = nullptr;  // the buffer's runtime's utility stream
  };
  struct Output {
    std::vector<int64_t> dims;
    size_t bytes = 0;        // row-major
    size_t deviceBytes = 0;  // in the engine's layout, as copied back into staging
    TensorInfo const* formatted = nullptr;  // another layout than row-major: converted at settle
    size_t stagingOffset = 0;
    void* device = nullptr;
    bool onDevice = false;  // written into the caller's DeviceTensor (deviceTargets)
    bool shapeValues = false;  // a shape tensor output, which TensorRT writes to the context's host memory
  };
  uint8_t const* stagingAt(Output const& out) const {
    return static_cast<uint8_t const*>(outputStaging.data) + out.stagingOffset;
  }

  std::shared_ptr<ContextState> ctx;
  std::vector<Input> inputs;
  std::vector<Output> outputs;  // launcher thread, until the job is handed back
  PinnedBuffer inputStaging;    // from the context's pool (JS thread)
  PinnedBuffer outputStaging;   // from the launcher's pool
  std::optional<Failure> failure;
  static constexpr size_t kNotCounted = SIZE_MAX;
  std::vector<size_t> countedTargets;  // per output, the byte length of an array JS fills, or kNotCounted
  std::vector<napi_ref> hostTargets;  // per output, the caller's TypedArray or null (empty: none given)
  // Per output, the caller's DeviceTensor or null (empty: none given); each counts as a pending write until settle.
  std::vector<std::shared_ptr<DeviceBufferState>> deviceTargets;
  std::vector<std::shared_ptr<DeviceBufferState>> deviceBuffers;  // DeviceTensor inputs, kept until the run settles
};

// Launcher thread: the run's TensorRT and CUDA calls, in the context stream's order (dynamic_launch.cc). Hands the
// job to the completion queue, with its outputs or its failure.
void launchDynamicRun(DynamicRunJob& job);

}  // namespace trtn
