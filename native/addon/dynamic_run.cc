#include "dynamic_run.h"

#include <algorithm>
#include <cstring>

#include "addon_data.h"
#include "dynamic_run_job.h"
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

// JS thread: copies a DeviceTensor input into memory of this run, after the buffer's previous use and before its
// next (markUse). A run of this context is queued later by the launcher; this way the caller's later writes to the
// buffer, queued before that, cannot reach the run.
void copyDeviceInput(DynamicRunJob& job, DynamicRunJob::Input& in, std::shared_ptr<DeviceBufferState> buffer,
                     std::string const& name) {
  Napi::Env env = job.settlement.Env();
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


// The caller's TypedArrays and DeviceTensors for outputs (run options.outputs), kept until the run settles. Their
// sizes are checked on the launcher: a data-dependent output's is not known before.
void adoptOutputTargets(Napi::Env env, Napi::Array targets, DynamicRunJob& job) {
  EngineState const& engine = *job.ctx->engine;
  job.hostTargets.assign(engine.outputs.size(), nullptr);
  job.countedTargets.assign(engine.outputs.size(), DynamicRunJob::kNotCounted);
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
    bool counted = true;
    if (targetByteCount(env, target, &have, &counted) && counted) {
      job.countedTargets[o] = have;  // an array JS fills (js_bytes.h), checked when its size is known
      continue;
    }
    auto buffer = counted ? DeviceBufferWrap::from(env, target) : nullptr;
    if (!buffer) {
      throw jsError(env, "INVALID_INPUT", "output '" + name + "' must be a TypedArray, its byte length or a DeviceBuffer", name);
    }
    if (engine.hostOutputs[o]) throw shapeOutputOnDevice(env, name);
    TensorInfo const& t = engine.engine->info().tensors[engine.outputs[o]];
    if (!t.layout.linear()) throw formattedOnDevice(env, "output", t);
    requireUsableByRun(env, *buffer, *job.ctx, "output", name);
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
    state->dataDependent = true;
  }
  ctx->dynamic = std::move(state);
}

void submitDynamicRun(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<DynamicRunJob>(env, ticketArg(info, 0));
  try {
    job->ctx = ctx;
    EngineState const& engine = *ctx->engine;
    EngineInfo const& engineInfo = engine.engine->info();
    if (info[2].IsArray()) adoptOutputTargets(env, info[2].As<Napi::Array>(), *job);
    FlatDims flat(env, info[1], *ctx);
    job->inputs.resize(engine.inputs.size());
    std::vector<uint8_t const*> hosts(engine.inputs.size());
    size_t stagingBytes = 0;
    for (size_t i = 0; i < engine.inputs.size(); ++i) {
      TensorInfo const& t = engineInfo.tensors[engine.inputs[i]];
      DynamicRunJob::Input& in = job->inputs[i];
      flat.next(t, in.dims);
      in.bytes = volume(in.dims) * dataTypeSize(t.dataType);
      in.deviceBytes = deviceBytesOf(t, in.dims, in.bytes);
      Napi::Value value = info[3 + i];
      void* first = nullptr;
      size_t have = 0;
      if (engine.hostInputs[i]) {  // staged like any host input; the launcher binds the staging itself
        hosts[i] = shapeValuesOf(env, value, t, in.dims, in.bytes);  // checks the size itself
        have = in.bytes;
      } else if (typedArrayBytes(env, value, &first, &have)) {
        hosts[i] = static_cast<uint8_t const*>(first);
      } else if (auto buffer = DeviceBufferWrap::from(env, value)) {
        if (!t.layout.linear()) throw formattedOnDevice(env, "input", t);
        requireUsableByRun(env, *buffer, *ctx, "input", t.name);
        if (buffer->bytes < in.bytes) throw inputTooShort(env, t, in.dims, in.bytes, buffer->bytes);
        copyDeviceInput(*job, in, std::move(buffer), t.name);
        continue;
      } else if (!bytesOf(value, &hosts[i], &have)) {
        throw jsError(env, "INVALID_INPUT", "input '" + t.name + "' must be a TypedArray or a DeviceBuffer", t.name);
      }
      if (have < in.bytes) throw inputTooShort(env, t, in.dims, in.bytes, have);
      in.stagingOffset = stagingBytes;
      stagingBytes += aligned(in.deviceBytes);
    }
    int rc = ctx->staging->acquire(std::max<size_t>(stagingBytes, 1), job->inputStaging);
    if (rc != 0) throw toJsError(env, cudaFailure(ctx->cuda(), rc, "cudaMallocHost"));
    for (size_t i = 0; i < job->inputs.size(); ++i) {
      DynamicRunJob::Input const& in = job->inputs[i];
      if (!in.bytes || !hosts[i]) continue;
      uint8_t* staged = static_cast<uint8_t*>(job->inputStaging.data) + in.stagingOffset;
      TensorInfo const& t = engineInfo.tensors[engine.inputs[i]];
      if (t.layout.linear()) {
        std::memcpy(staged, hosts[i], in.bytes);
      } else {
        stageFormatted(t, in.dims, hosts[i], staged);
      }
    }
    std::unique_ptr<CompletionJob> owned(job.release());
    auto* expected = static_cast<DynamicRunJob*>(addonData(env).completion->expect(owned));
    holdDeviceTargets(*expected);
    ctx->inFlight++;
    ctx->dynamic->launcher->post([expected] { launchDynamicRun(*expected); });
  } catch (Napi::Error const& e) {
    if (job) job->settlement.Reject(e.Value());
  }
}

}  // namespace trtn
