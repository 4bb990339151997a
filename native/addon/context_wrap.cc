// ExecutionContext: one TensorRT execution context with its own stream. run() stages host inputs into pinned
// memory, queues the copies, enqueueV3 and the copies back on the stream, and settles its promise from the stream's
// completion callback. Runs on one context pipeline on its stream; the device buffers are reused in stream order.
#include <cstring>

#include "addon_data.h"
#include "errors.h"
#include "js_bytes.h"
#include "wraps.h"

namespace trtn {

namespace {

constexpr size_t kAlign = 256;
size_t aligned(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

std::string dimsText(std::vector<int64_t> const& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

Failure cudaFailure(CudaApi const& api, int rc, std::string const& what) {
  Failure f;
  f.code = rc == cuda::kErrorMemoryAllocation ? "OUT_OF_MEMORY" : "CUDA_ERROR";
  f.cudaError = rc;
  f.message = what + " failed: " + api.cudaGetErrorName(rc) + " (" + api.cudaGetErrorString(rc) + ")";
  return f;
}

struct OutputPlan {
  size_t bytes = 0;
  size_t stagingOffset = 0;
  bool onDevice = false;
};

class RunJob : public CompletionJob {
 public:
  explicit RunJob(Napi::Env env) : deferred(env) {}
  ~RunJob() override { releaseStaging(); }

  void releaseStaging() {
    if (ctx && staging.data) ctx->staging->release(staging);
    staging = PinnedBuffer{};
  }

  void settle(Napi::Env env, int cudaStatus) override {
    ctx->inFlight--;
    if (cudaStatus != 0) {
      Failure f = cudaFailure(ctx->cuda(), cudaStatus, "the run on the GPU");
      f.code = "CUDA_ERROR";
      releaseStaging();
      deferred.Reject(toJsError(env, f).Value());
      return;
    }
    // [dims of every output (an array shared by runs of the same shapes), output 0 bytes, output 1 bytes, ...];
    // outputs written to a DeviceBuffer have `undefined` bytes.
    Napi::Array results = Napi::Array::New(env, outputs.size() + 1);
    results.Set(uint32_t{0}, outputDims->Value());
    for (size_t i = 0; i < outputs.size(); ++i) {
      OutputPlan const& o = outputs[i];
      if (o.onDevice) continue;
      Napi::ArrayBuffer data = Napi::ArrayBuffer::New(env, o.bytes);
      if (o.bytes) std::memcpy(data.Data(), static_cast<uint8_t*>(staging.data) + o.stagingOffset, o.bytes);
      results.Set(static_cast<uint32_t>(i + 1), data);
    }
    releaseStaging();
    deferred.Resolve(results);
  }

  Napi::Promise::Deferred deferred;
  std::shared_ptr<ContextState> ctx;
  PinnedBuffer staging;
  std::vector<OutputPlan> outputs;
  std::shared_ptr<Napi::Reference<Napi::Array>> outputDims;  // the output shapes at enqueue time
  std::vector<std::shared_ptr<DeviceBufferState>> deviceBuffers;  // kept alive until the run settles
};

class PingJob : public CompletionJob {
 public:
  explicit PingJob(Napi::Env env) : deferred(env) {}
  void settle(Napi::Env env, int cudaStatus) override {
    if (cudaStatus != 0) {
      deferred.Reject(jsError(env, "CUDA_ERROR", "ping failed").Value());
    } else {
      deferred.Resolve(env.Undefined());
    }
  }
  Napi::Promise::Deferred deferred;
};

void readDims(Napi::Env env, Napi::Value value, std::string const& tensor, std::vector<int64_t>& dims) {
  if (!value.IsArray()) throw jsError(env, "INVALID_INPUT", "dims of input '" + tensor + "' must be an array", tensor);
  Napi::Array array = value.As<Napi::Array>();
  dims.resize(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value d = array.Get(i);
    double v = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
    if (!(v >= 0) || v > 9007199254740991.0 || v != static_cast<double>(static_cast<int64_t>(v))) {
      throw jsError(env, "INVALID_INPUT", "dim " + std::to_string(i) + " of input '" + tensor +
                                              "' must be a non-negative integer", tensor);
    }
    dims[i] = static_cast<int64_t>(v);
  }
}

size_t volume(std::vector<int64_t> const& dims) {
  size_t v = 1;
  for (int64_t d : dims) v *= static_cast<size_t>(d);
  return v;
}

}  // namespace

Napi::Function ContextWrap::define(Napi::Env env) {
  return DefineClass(env, "ExecutionContext",
                     {InstanceMethod<&ContextWrap::run>("run"), InstanceMethod<&ContextWrap::ping>("ping"),
                      InstanceMethod<&ContextWrap::setProfile>("setProfile"),
                      InstanceAccessor<&ContextWrap::inFlight>("inFlight"),
                      InstanceMethod<&ContextWrap::dispose>("dispose"),
                      InstanceAccessor<&ContextWrap::disposed>("disposed")});
}

ContextWrap::ContextWrap(Napi::CallbackInfo const& info)
    : Napi::ObjectWrap<ContextWrap>(info),
      mState(takeWrapped<ContextState>(info, "ExecutionContext", "engine.createContext()")) {}

std::shared_ptr<ContextState> const& ContextWrap::state(Napi::Env env) const {
  if (!mState) throwDisposed(env, "ExecutionContext");
  return mState;
}

void ContextWrap::setProfile(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& ctx = state(env);
  int32_t index = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : -1;
  Failure failure;
  if (!ctx->context->setProfile(index, ctx->stream, failure)) throw toJsError(env, failure);
  for (auto& d : ctx->inputDims) d.clear();  // TensorRT forgets the input shapes on a profile change
  ctx->shapesKnown = false;
}

Napi::Value ContextWrap::inFlight(Napi::CallbackInfo const& info) {
  return Napi::Number::New(info.Env(), mState ? double(mState->inFlight) : 0);
}

// The floor of the completion path: a promise settled through the same stream callback, with no work queued.
Napi::Value ContextWrap::ping(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& ctx = state(env);
  std::unique_ptr<CompletionJob> job = std::make_unique<PingJob>(env);
  Napi::Promise promise = static_cast<PingJob*>(job.get())->deferred.Promise();
  int rc = addonData(env).completion->submit(ctx->cuda(), ctx->stream, job);
  if (rc != 0) throw toJsError(env, cudaFailure(ctx->cuda(), rc, "cudaStreamAddCallback"));
  return promise;
}

// run(inputs: (TypedArray | DeviceBuffer)[], dims: number[][], outputTargets?: (DeviceBuffer | undefined)[])
//   -> Promise<[outputDims: number[][], ...outputBytes: (ArrayBuffer | undefined)[]]>   (engine order)
Napi::Value ContextWrap::run(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto job = std::make_unique<RunJob>(env);
  Napi::Promise promise = job->deferred.Promise();
  try {
    auto const& ctx = state(env);
    job->ctx = ctx;
    EngineState const& engine = *ctx->engine;
    EngineInfo const& ei = engine.engine->info();
    CudaApi const& api = ctx->cuda();
    size_t nIn = engine.inputs.size();
    size_t nOut = engine.outputs.size();
    if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsArray() ||
        info[0].As<Napi::Array>().Length() != nIn || info[1].As<Napi::Array>().Length() != nIn) {
      throw jsError(env, "INVALID_INPUT", "run expects " + std::to_string(nIn) + " inputs and their dims");
    }
    Napi::Array inputs = info[0].As<Napi::Array>();
    Napi::Array dimsList = info[1].As<Napi::Array>();
    Napi::Array targets = info.Length() > 2 && info[2].IsArray() ? info[2].As<Napi::Array>() : Napi::Array();

    Failure failure;

    // 1. Shapes: tell TensorRT only what changed, then read the output shapes it infers.
    for (size_t i = 0; i < nIn; ++i) {
      TensorInfo const& t = ei.tensors[engine.inputs[i]];
      std::vector<int64_t>& dims = ctx->scratchDims;
      readDims(env, dimsList.Get(static_cast<uint32_t>(i)), t.name, dims);
      if (dims != ctx->inputDims[i]) {
        if (!ctx->context->setInputShape(t.name, dims, failure)) throw toJsError(env, failure);
        ctx->inputDims[i] = dims;
        ctx->shapesKnown = false;
      }
    }
    if (!ctx->shapesKnown) {
      for (size_t o = 0; o < nOut; ++o) {
        TensorInfo const& t = ei.tensors[engine.outputs[o]];
        ctx->outputDims[o] = ctx->context->tensorShape(t.name);
        for (int64_t d : ctx->outputDims[o]) {
          if (d < 0) {
            throw jsError(env, "INVALID_INPUT", "output '" + t.name + "' has a data-dependent shape " +
                                                    dimsText(ctx->outputDims[o]) + ", which is not supported yet",
                          t.name);
          }
        }
      }
      Napi::Array dimsJs = Napi::Array::New(env, nOut);
      for (size_t o = 0; o < nOut; ++o) {
        auto const& d = ctx->outputDims[o];
        Napi::Array one = Napi::Array::New(env, d.size());
        for (size_t k = 0; k < d.size(); ++k) one.Set(static_cast<uint32_t>(k), static_cast<double>(d[k]));
        dimsJs.Set(static_cast<uint32_t>(o), one);
      }
      ctx->outputDimsJs = std::make_shared<Napi::Reference<Napi::Array>>(Napi::Persistent(dimsJs));
      ctx->shapesKnown = true;
    }
    job->outputDims = ctx->outputDimsJs;

    // 2. Sources and sizes; every byte count is checked here, so nothing reads past a caller's buffer.
    struct Source {
      uint8_t const* host = nullptr;
      void* device = nullptr;
      size_t bytes = 0;
      size_t stagingOffset = 0;
    };
    std::vector<Source> sources(nIn);
    size_t stagingBytes = 0;
    for (size_t i = 0; i < nIn; ++i) {
      TensorInfo const& t = ei.tensors[engine.inputs[i]];
      size_t need = volume(ctx->inputDims[i]) * dataTypeSize(t.dataType);
      Napi::Value value = inputs.Get(static_cast<uint32_t>(i));
      size_t have = 0;
      if (auto buffer = DeviceBufferWrap::from(env, value)) {
        sources[i].device = buffer->data;
        have = buffer->bytes;
        job->deviceBuffers.push_back(std::move(buffer));
      } else if (!bytesOf(value, &sources[i].host, &have)) {
        throw jsError(env, "INVALID_INPUT", "input '" + t.name + "' must be a TypedArray or a DeviceBuffer", t.name);
      }
      if (have < need) {
        throw jsError(env, "INVALID_INPUT", "input '" + t.name + "' needs " + std::to_string(need) + " bytes for " +
                                                dimsText(ctx->inputDims[i]) + " of " + dataTypeName(t.dataType) +
                                                ", got " + std::to_string(have) +
                                                (have == 0 && need > 0 ? " (a detached or empty buffer?)" : ""),
                      t.name);
      }
      sources[i].bytes = need;
      if (sources[i].host) {
        sources[i].stagingOffset = stagingBytes;
        stagingBytes += aligned(need);
      }
    }
    job->outputs.resize(nOut);
    std::vector<void*>& outputDevice = ctx->scratchOutputDevice;
    outputDevice.assign(nOut, nullptr);
    for (size_t o = 0; o < nOut; ++o) {
      TensorInfo const& t = ei.tensors[engine.outputs[o]];
      OutputPlan& plan = job->outputs[o];
      std::vector<int64_t> const& dims = ctx->outputDims[o];
      plan.bytes = volume(dims) * dataTypeSize(t.dataType);
      Napi::Value target = targets.IsEmpty() ? env.Undefined() : targets.Get(static_cast<uint32_t>(o));
      if (auto buffer = DeviceBufferWrap::from(env, target)) {
        if (buffer->bytes < plan.bytes) {
          throw jsError(env, "INVALID_INPUT", "output buffer for '" + t.name + "' needs " +
                                                  std::to_string(plan.bytes) + " bytes for " + dimsText(dims) +
                                                  ", has " + std::to_string(buffer->bytes), t.name);
        }
        plan.onDevice = true;
        outputDevice[o] = buffer->data;
        job->deviceBuffers.push_back(std::move(buffer));
      } else {
        plan.stagingOffset = stagingBytes;
        stagingBytes += aligned(plan.bytes);
      }
    }

    // 3. Staging and device buffers, then the addresses TensorRT reads and writes.
    int rc = ctx->staging->acquire(std::max<size_t>(stagingBytes, 1), job->staging);
    if (rc != 0) throw toJsError(env, cudaFailure(api, rc, "cudaMallocHost"));
    auto bind = [&](int tensorIndex, void* address) {
      if (ctx->boundAddress[tensorIndex] == address) return;
      if (!ctx->context->setTensorAddress(ei.tensors[tensorIndex].name, address, failure)) {
        throw toJsError(env, failure);
      }
      ctx->boundAddress[tensorIndex] = address;
    };
    auto* staging = static_cast<uint8_t*>(job->staging.data);
    for (size_t i = 0; i < nIn; ++i) {
      int ti = engine.inputs[i];
      if (sources[i].device) {
        bind(ti, sources[i].device);
        continue;
      }
      GrowableDeviceBuffer& device = ctx->deviceBuffers[ti];
      if ((rc = ctx->ensureCapacity(device, sources[i].bytes)) != 0) {
        throw toJsError(env, cudaFailure(api, rc, "cudaMallocAsync"));
      }
      bind(ti, device.data);
      if (sources[i].bytes == 0) continue;
      std::memcpy(staging + sources[i].stagingOffset, sources[i].host, sources[i].bytes);
      rc = api.cudaMemcpyAsync(device.data, staging + sources[i].stagingOffset, sources[i].bytes,
                               cuda::kHostToDevice, ctx->stream);
      if (rc != 0) throw toJsError(env, cudaFailure(api, rc, "cudaMemcpyAsync (input)"));
    }
    for (size_t o = 0; o < nOut; ++o) {
      int ti = engine.outputs[o];
      if (job->outputs[o].onDevice) {
        bind(ti, outputDevice[o]);
        continue;
      }
      GrowableDeviceBuffer& device = ctx->deviceBuffers[ti];
      if ((rc = ctx->ensureCapacity(device, job->outputs[o].bytes)) != 0) {
        throw toJsError(env, cudaFailure(api, rc, "cudaMallocAsync"));
      }
      outputDevice[o] = device.data;
      bind(ti, device.data);
    }

    // 4. The network, the copies back, and the completion callback, in stream order.
    if (!ctx->context->enqueue(ctx->stream, failure)) throw toJsError(env, failure);
    for (size_t o = 0; o < nOut; ++o) {
      OutputPlan const& plan = job->outputs[o];
      if (plan.onDevice || plan.bytes == 0) continue;
      rc = api.cudaMemcpyAsync(staging + plan.stagingOffset, outputDevice[o], plan.bytes, cuda::kDeviceToHost,
                               ctx->stream);
      if (rc != 0) throw toJsError(env, cudaFailure(api, rc, "cudaMemcpyAsync (output)"));
    }
    std::unique_ptr<CompletionJob> base(job.release());
    rc = addonData(env).completion->submit(api, ctx->stream, base);
    if (rc != 0) {
      job.reset(static_cast<RunJob*>(base.release()));
      throw toJsError(env, cudaFailure(api, rc, "cudaStreamAddCallback"));
    }
    ctx->inFlight++;
  } catch (Napi::Error const& e) {
    job->deferred.Reject(e.Value());
  } catch (std::exception const& e) {
    job->deferred.Reject(jsError(env, "INTERNAL", std::string("run failed: ") + e.what()).Value());
  }
  return promise;
}

void ContextWrap::dispose(Napi::CallbackInfo const&) { mState.reset(); }

Napi::Value ContextWrap::disposed(Napi::CallbackInfo const& info) {
  return Napi::Boolean::New(info.Env(), mState == nullptr);
}

}  // namespace trtn
