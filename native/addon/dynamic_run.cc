#include "dynamic_run.h"

#include <algorithm>
#include <cstring>

#include "addon_data.h"
#include "completion.h"
#include "device_scope.h"
#include "errors.h"
#include "js_bytes.h"
#include "run_submission.h"
#include "wraps.h"

namespace trtn {

DynamicOutput::~DynamicOutput() {
  if (mBuffer.data) mCtx.cuda().cudaFreeAsync(mBuffer.data, mCtx.stream);
}

void* DynamicOutput::reallocate(size_t bytes, cuda::Stream) {
  mCudaError = mCtx.ensureCapacity(mBuffer, bytes);
  return mCudaError == 0 ? mBuffer.data : nullptr;
}

namespace {

// One run: filled on the JS thread (inputs), then on the launcher thread (outputs or the failure), settled on the JS
// thread.
class DynamicRunJob : public CompletionJob {
 public:
  explicit DynamicRunJob(Napi::Env env) : CompletionJob(env) {}
  ~DynamicRunJob() override {
    releaseDeviceCopies();
    releaseStaging();
    for (napi_ref target : hostTargets) {  // on the JS thread, or leaked before (leakJsHandles)
      if (target) napi_delete_reference(deferred.Env(), target);
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
      deferred.Reject(toJsError(env, f).Value());
      return;
    }
    // [dims of every output, output 0 bytes, output 1 bytes, ...]: the dims are this run's own; outputs copied into
    // the caller's arrays have `undefined` bytes.
    if (!copyToHostTargets(env)) return;
    size_t n = outputs.size();
    Napi::Array results = Napi::Array::New(env, n + 1);
    Napi::Array dims = Napi::Array::New(env, n);
    for (size_t o = 0; o < n; ++o) {
      Output const& out = outputs[o];
      Napi::Array one = Napi::Array::New(env, out.dims.size());
      for (size_t k = 0; k < out.dims.size(); ++k) one.Set(static_cast<uint32_t>(k), static_cast<double>(out.dims[k]));
      dims.Set(static_cast<uint32_t>(o), one);
      if (out.onDevice || (!hostTargets.empty() && hostTargets[o])) continue;
      Napi::ArrayBuffer data = Napi::ArrayBuffer::New(env, out.bytes);
      if (out.bytes) std::memcpy(data.Data(), static_cast<uint8_t*>(outputStaging.data) + out.stagingOffset, out.bytes);
      results.Set(static_cast<uint32_t>(o + 1), data);
    }
    results.Set(uint32_t{0}, dims);
    releaseStaging();
    deferred.Resolve(results);
  }

  // Only now is the size of a data-dependent output known: an array too small for it rejects the run.
  bool copyToHostTargets(Napi::Env env) {
    for (size_t o = 0; o < hostTargets.size(); ++o) {
      if (!hostTargets[o]) continue;
      Output const& out = outputs[o];
      size_t have = 0;
      if (!copyIntoTypedArray(env, hostTargets[o], static_cast<uint8_t*>(outputStaging.data) + out.stagingOffset,
                              out.bytes, &have)) {
        releaseStaging();
        std::string name = ctx->engine->engine->info().tensors[ctx->engine->outputs[o]].name;
        deferred.Reject(jsError(env, "INVALID_INPUT", "the array given for output '" + name + "' holds " +
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
    if (outputStaging.data) {
      std::lock_guard<std::mutex> lock(ctx->dynamic->outputStagingMutex);
      ctx->dynamic->outputStaging.release(outputStaging);
    }
    outputStaging = PinnedBuffer{};
  }

  struct Input {
    std::vector<int64_t> dims;
    size_t bytes = 0;
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
    size_t bytes = 0;
    size_t stagingOffset = 0;
    void* device = nullptr;
    bool onDevice = false;  // written into the caller's DeviceTensor (deviceTargets)
  };

  std::shared_ptr<ContextState> ctx;
  std::vector<Input> inputs;
  std::vector<Output> outputs;  // launcher thread, until the job is handed back
  PinnedBuffer inputStaging;    // from the context's pool (JS thread)
  PinnedBuffer outputStaging;   // from the launcher's pool
  std::optional<Failure> failure;
  std::vector<napi_ref> hostTargets;  // per output, the caller's TypedArray or null (empty: none given)
  // Per output, the caller's DeviceTensor or null (empty: none given); each counts as a pending write until settle.
  std::vector<std::shared_ptr<DeviceBufferState>> deviceTargets;
  std::vector<std::shared_ptr<DeviceBufferState>> deviceBuffers;  // DeviceTensor inputs, kept until the run settles
};

// JS thread: copies a DeviceTensor input into memory of this run, after the buffer's previous use and before its
// next (markUse). A run of this context is queued later by the launcher; this way the caller's later writes to the
// buffer, queued before that, cannot reach the run.
void copyDeviceInput(DynamicRunJob& job, DynamicRunJob::Input& in, std::shared_ptr<DeviceBufferState> buffer,
                     std::string const& name) {
  Napi::Env env = job.deferred.Env();
  CudaApi const& api = buffer->runtime->cuda();
  cuda::Stream stream = buffer->runtime->utilityStream;
  in.copyStream = stream;
  job.deviceBuffers.push_back(buffer);
  auto check = [&](int rc, char const* what) {
    if (rc != 0) throw toJsError(env, cudaFailure(api, rc, std::string(what) + " (input '" + name + "')"));
  };
  check(api.cudaMallocAsync(&in.deviceCopy, std::max<size_t>(in.bytes, 1), stream), "cudaMallocAsync");
  check(buffer->waitForPreviousUse(stream), "cudaStreamWaitEvent");
  if (in.bytes) check(api.cudaMemcpyAsync(in.deviceCopy, buffer->data, in.bytes, cuda::kDeviceToDevice, stream), "cudaMemcpyAsync");
  check(buffer->markUse(stream), "cudaEventRecord");
  check(api.cudaEventCreateWithFlags(&in.copied, cuda::kEventDisableTiming), "cudaEventCreateWithFlags");
  check(api.cudaEventRecord(in.copied, stream), "cudaEventRecord");
}

// The TensorRT and CUDA calls of one run, on the launcher thread, in the context stream's order. Each step that
// fails hands the job back with the failure, after the work already queued (which may still read its staging).
class DynamicLaunch {
 public:
  explicit DynamicLaunch(DynamicRunJob& job)
      : mJob(job), mCtx(*job.ctx), mRuns(*mCtx.dynamic), mEngine(*mCtx.engine), mInfo(mEngine.engine->info()),
        mApi(mCtx.cuda()) {}

  void run() {
    DeviceScope device(mApi, mCtx.deviceIndex());  // this thread serves only this context, but says so anyway
    if (applyShapes() && copyInputs() && bindKnownOutputs() && waitForTargets() && enqueue() && copyOutputs() &&
        markTargets()) {
      freeDeviceCopies();
      if (int rc = CompletionQueue::followStream(mApi, mCtx.stream, &mJob)) {
        mJob.failure = cudaFailure(mApi, rc, "cudaStreamAddCallback");
        CompletionQueue::finish(&mJob, 0);
      }
    }
  }

 private:
  // After everything of the run on the context's stream; before the job goes back (it may be freed at once).
  void freeDeviceCopies() {
    for (void* copy : mCopiesToFree) mApi.cudaFreeAsync(copy, mCtx.stream);
    mCopiesToFree.clear();
  }

  bool fail(Failure failure) {
    // Part of the run may have been queued: later uses of the caller's DeviceTensors wait for it too (this failure
    // is the one reported, whatever marking returns).
    if (mTargetsWaited) recordTargetUses();
    freeDeviceCopies();
    mJob.failure = std::move(failure);
    if (CompletionQueue::followStream(mApi, mCtx.stream, &mJob) != 0) CompletionQueue::finish(&mJob, 0);
    return false;
  }
  bool failCuda(int rc, std::string const& what) { return fail(cudaFailure(mApi, rc, what)); }

  TensorInfo const& tensor(int index) const { return mInfo.tensors[index]; }

  bool applyShapes() {
    for (size_t i = 0; i < mJob.inputs.size(); ++i) {
      if (!mCtx.applyInputShape(i, mJob.inputs[i].dims, mFailure)) return fail(mFailure);
    }
    return true;
  }

  // The context's own device buffer for a tensor, grown to `bytes` and bound.
  bool bindOwnBuffer(int tensorIndex, size_t bytes, void** device) {
    GrowableDeviceBuffer& buffer = mCtx.deviceBuffers[tensorIndex];
    if (int rc = mCtx.ensureCapacity(buffer, bytes)) return failCuda(rc, "cudaMallocAsync");
    *device = buffer.data;
    return mCtx.bindTensor(tensorIndex, buffer.data, mFailure) || fail(mFailure);
  }

  bool copyInputs() {
    auto* staging = static_cast<uint8_t*>(mJob.inputStaging.data);
    for (size_t i = 0; i < mJob.inputs.size(); ++i) {
      DynamicRunJob::Input& in = mJob.inputs[i];
      if (in.deviceCopy) {
        if (!bindDeviceCopy(mEngine.inputs[i], in)) return false;
        continue;
      }
      void* device = nullptr;
      if (!bindOwnBuffer(mEngine.inputs[i], in.bytes, &device)) return false;
      if (in.bytes == 0) continue;
      int rc = mApi.cudaMemcpyAsync(device, staging + in.stagingOffset, in.bytes, cuda::kHostToDevice, mCtx.stream);
      if (rc != 0) return failCuda(rc, "cudaMemcpyAsync (input)");
    }
    return true;
  }

  // The run reads its own copy of a DeviceTensor input once the copy is done, and frees it after the run.
  bool bindDeviceCopy(int tensorIndex, DynamicRunJob::Input& in) {
    if (int rc = mApi.cudaStreamWaitEvent(mCtx.stream, in.copied, 0)) return failCuda(rc, "cudaStreamWaitEvent");
    if (!mCtx.bindTensor(tensorIndex, in.deviceCopy, mFailure)) return fail(mFailure);
    mCopiesToFree.push_back(in.deviceCopy);  // from now on the launcher frees it, after the run
    in.deviceCopy = nullptr;
    return true;
  }

  bool bindKnownOutputs() {
    mJob.outputs.assign(mEngine.outputs.size(), DynamicRunJob::Output{});
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      if (mRuns.outputs[o]) {
        mRuns.outputs[o]->startRun();
        continue;
      }
      TensorInfo const& t = tensor(mEngine.outputs[o]);
      DynamicRunJob::Output& out = mJob.outputs[o];
      out.dims = mCtx.context->tensorShape(t.name);
      out.bytes = volume(out.dims) * dataTypeSize(t.dataType);
      if (DeviceBufferState const* target = deviceTarget(o)) {
        if (target->bytes < out.bytes) {
          return fail(invalidOutput(t.name, "output buffer for '" + t.name + "' needs " + std::to_string(out.bytes) +
                                                " bytes for " + dimsText(out.dims) + ", has " +
                                                std::to_string(target->bytes)));
        }
        out.device = target->data;
        out.onDevice = true;
        if (!mCtx.bindTensor(mEngine.outputs[o], out.device, mFailure)) return fail(mFailure);
        continue;
      }
      if (!bindOwnBuffer(mEngine.outputs[o], out.bytes, &out.device)) return false;
    }
    return true;
  }

  DeviceBufferState* deviceTarget(size_t output) const {
    return mJob.deviceTargets.empty() ? nullptr : mJob.deviceTargets[output].get();
  }

  static Failure invalidOutput(std::string const& name, std::string message) {
    Failure f;
    f.code = "INVALID_INPUT";
    f.message = std::move(message);
    f.tensor = name;
    return f;
  }

  // The caller's DeviceTensors are written only after their earlier uses (the JS thread queues none meanwhile).
  bool waitForTargets() {
    for (auto const& target : mJob.deviceTargets) {
      if (!target) continue;
      if (int rc = target->waitForPreviousUse(mCtx.stream)) return failCuda(rc, "cudaStreamWaitEvent");
    }
    mTargetsWaited = true;
    return true;
  }

  // This run's writes (queued so far on the context's stream) are the targets' latest use.
  bool markTargets() {
    int rc = recordTargetUses();
    return rc == 0 || failCuda(rc, "cudaEventRecord");
  }
  int recordTargetUses() {
    mTargetsWaited = false;
    for (auto const& target : mJob.deviceTargets) {
      if (!target) continue;
      if (int rc = target->markUse(mCtx.stream)) return rc;
    }
    return 0;
  }

  // Blocks until TensorRT knows the data-dependent shapes (that is why this runs here).
  bool enqueue() {
    if (mCtx.context->enqueue(mCtx.stream, mFailure)) return true;
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      DynamicOutput const* sink = mRuns.outputs[o].get();
      if (sink && sink->cudaError() != 0) {
        Failure f = cudaFailure(mApi, sink->cudaError(),
                                "cudaMallocAsync (output '" + tensor(mEngine.outputs[o]).name + "')");
        f.trtMessages = mFailure.trtMessages;
        return fail(f);
      }
    }
    return fail(mFailure);
  }

  bool copyOutputs() {
    size_t stagingBytes = 0;
    for (size_t o = 0; o < mJob.outputs.size(); ++o) {
      DynamicRunJob::Output& out = mJob.outputs[o];
      if (DynamicOutput const* sink = mRuns.outputs[o].get()) {
        std::string const& name = tensor(mEngine.outputs[o]).name;
        if (!sink->shapeKnown()) {
          Failure f;
          f.code = "INTERNAL";
          f.message = "TensorRT returned from enqueueV3 without the shape of the data-dependent output '" + name + "'";
          f.tensor = name;
          return fail(f);
        }
        out.dims = sink->dims();
        out.bytes = volume(out.dims) * dataTypeSize(tensor(mEngine.outputs[o]).dataType);
        out.device = sink->data();
        if (DeviceBufferState const* target = deviceTarget(o)) {
          if (!copyIntoTarget(name, out, *target)) return false;
          continue;
        }
      }
      if (out.onDevice) continue;
      out.stagingOffset = stagingBytes;
      stagingBytes += aligned(out.bytes);
    }
    int rc;
    {
      std::lock_guard<std::mutex> lock(mRuns.outputStagingMutex);
      rc = mRuns.outputStaging.acquire(std::max<size_t>(stagingBytes, 1), mJob.outputStaging);
    }
    if (rc != 0) return failCuda(rc, "cudaMallocHost");
    auto* staging = static_cast<uint8_t*>(mJob.outputStaging.data);
    for (DynamicRunJob::Output const& out : mJob.outputs) {
      if (out.bytes == 0 || out.onDevice) continue;
      rc = mApi.cudaMemcpyAsync(staging + out.stagingOffset, out.device, out.bytes, cuda::kDeviceToHost, mCtx.stream);
      if (rc != 0) return failCuda(rc, "cudaMemcpyAsync (output)");
    }
    return true;
  }

  // A data-dependent output for the caller's DeviceTensor: from the context's buffer, now that its size is known.
  bool copyIntoTarget(std::string const& name, DynamicRunJob::Output& out, DeviceBufferState const& target) {
    if (target.bytes < out.bytes) {
      return fail(invalidOutput(name, "the DeviceTensor given for output '" + name + "' holds " +
                                          std::to_string(target.bytes) + " bytes; this run's " + dimsText(out.dims) +
                                          " needs " + std::to_string(out.bytes)));
    }
    if (out.bytes) {
      int rc = mApi.cudaMemcpyAsync(target.data, out.device, out.bytes, cuda::kDeviceToDevice, mCtx.stream);
      if (rc != 0) return failCuda(rc, "cudaMemcpyAsync (output '" + name + "')");
    }
    out.device = target.data;
    out.onDevice = true;
    return true;
  }

  DynamicRunJob& mJob;
  ContextState& mCtx;
  DynamicRunState& mRuns;
  EngineState const& mEngine;
  EngineInfo const& mInfo;
  CudaApi const& mApi;
  Failure mFailure;
  std::vector<void*> mCopiesToFree;  // inputs' device copies bound for this run
  bool mTargetsWaited = false;       // the stream waits for the caller's DeviceTensors; markTargets() is due
};

// The caller's TypedArrays and DeviceTensors for outputs (run options.outputs), kept until the run settles. Their
// sizes are checked on the launcher: a data-dependent output's is not known before.
void adoptOutputTargets(Napi::Env env, Napi::Array targets, DynamicRunJob& job) {
  EngineState const& engine = *job.ctx->engine;
  job.hostTargets.assign(engine.outputs.size(), nullptr);
  job.deviceTargets.assign(engine.outputs.size(), nullptr);
  for (size_t o = 0; o < engine.outputs.size(); ++o) {
    Napi::Value target = targets.Get(static_cast<uint32_t>(o));
    if (target.IsUndefined()) continue;
    void* first = nullptr;
    size_t have = 0;
    if (typedArrayBytes(env, target, &first, &have)) {
      napi_create_reference(env, target, 1, &job.hostTargets[o]);
      continue;
    }
    std::string const& name = engine.engine->info().tensors[engine.outputs[o]].name;
    auto buffer = DeviceBufferWrap::from(env, target);
    if (!buffer) throw jsError(env, "INVALID_INPUT", "output '" + name + "' must be a TypedArray or a DeviceBuffer", name);
    requireSameDevice(env, *buffer, *job.ctx, "output", name);
    requireNoPendingWrite(env, *buffer, "output '" + name + "'", name);
    job.deviceTargets[o] = std::move(buffer);
  }
}

// From submission to settle, nothing else may use the DeviceTensors this run is to write.
void holdDeviceTargets(DynamicRunJob& job) {
  EngineInfo const& info = job.ctx->engine->engine->info();
  for (size_t o = 0; o < job.deviceTargets.size(); ++o) {
    if (!job.deviceTargets[o]) continue;
    job.deviceTargets[o]->pendingLauncherWrites++;
    job.deviceTargets[o]->launcherWriter = info.tensors[job.ctx->engine->outputs[o]].name;
  }
}

}  // namespace

void enableDynamicRuns(Napi::Env env, std::shared_ptr<ContextState> const& ctx) {
  auto state = std::make_unique<DynamicRunState>(ctx->cuda());
  EngineState const& engine = *ctx->engine;
  for (size_t o = 0; o < engine.outputs.size(); ++o) {
    state->outputs.emplace_back();
    if (!hasUnknownExtent(ctx->outputDims[o])) continue;
    auto sink = std::make_unique<DynamicOutput>(*ctx);
    Failure failure;
    if (!ctx->context->setOutputSink(engine.engine->info().tensors[engine.outputs[o]].name, sink.get(), failure)) {
      throw toJsError(env, failure);
    }
    state->outputs.back() = std::move(sink);
  }
  ctx->dynamic = std::move(state);
}

Napi::Value submitDynamicRun(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<DynamicRunJob>(env);
  Napi::Promise promise = job->deferred.Promise();
  try {
    job->ctx = ctx;
    EngineState const& engine = *ctx->engine;
    EngineInfo const& engineInfo = engine.engine->info();
    if (info[1].IsArray()) adoptOutputTargets(env, info[1].As<Napi::Array>(), *job);
    FlatDims flat(env, info[0]);
    job->inputs.resize(engine.inputs.size());
    std::vector<uint8_t const*> hosts(engine.inputs.size());
    size_t stagingBytes = 0;
    for (size_t i = 0; i < engine.inputs.size(); ++i) {
      TensorInfo const& t = engineInfo.tensors[engine.inputs[i]];
      DynamicRunJob::Input& in = job->inputs[i];
      flat.next(t, in.dims);
      in.bytes = volume(in.dims) * dataTypeSize(t.dataType);
      Napi::Value value = info[2 + i];
      void* first = nullptr;
      size_t have = 0;
      if (typedArrayBytes(env, value, &first, &have)) {
        hosts[i] = static_cast<uint8_t const*>(first);
      } else if (auto buffer = DeviceBufferWrap::from(env, value)) {
        requireSameDevice(env, *buffer, *ctx, "input", t.name);
        requireNoPendingWrite(env, *buffer, "input '" + t.name + "'", t.name);
        if (buffer->bytes < in.bytes) throw inputTooShort(env, t, in.dims, in.bytes, buffer->bytes);
        copyDeviceInput(*job, in, std::move(buffer), t.name);
        continue;
      } else if (!bytesOf(value, &hosts[i], &have)) {
        throw jsError(env, "INVALID_INPUT", "input '" + t.name + "' must be a TypedArray or a DeviceBuffer", t.name);
      }
      if (have < in.bytes) throw inputTooShort(env, t, in.dims, in.bytes, have);
      in.stagingOffset = stagingBytes;
      stagingBytes += aligned(in.bytes);
    }
    int rc = ctx->staging->acquire(std::max<size_t>(stagingBytes, 1), job->inputStaging);
    if (rc != 0) throw toJsError(env, cudaFailure(ctx->cuda(), rc, "cudaMallocHost"));
    for (size_t i = 0; i < job->inputs.size(); ++i) {
      DynamicRunJob::Input const& in = job->inputs[i];
      if (in.bytes && hosts[i]) std::memcpy(static_cast<uint8_t*>(job->inputStaging.data) + in.stagingOffset, hosts[i], in.bytes);
    }
    std::unique_ptr<CompletionJob> owned(job.release());
    auto* expected = static_cast<DynamicRunJob*>(addonData(env).completion->expect(owned));
    holdDeviceTargets(*expected);
    ctx->inFlight++;
    ctx->dynamic->launcher->post([expected] { DynamicLaunch(*expected).run(); });
  } catch (Napi::Error const& e) {
    if (job) job->deferred.Reject(e.Value());
  }
  return promise;
}

}  // namespace trtn
