// Runtime: a loaded backend, a TensorRT IRuntime with its logger and error recorder, and a utility stream.
#include <cstring>
#include <vector>

#include "addon_data.h"
#include "background_job.h"
#include "device_scope.h"
#include "errors.h"
#include "js_bytes.h"
#include "js_strings.h"
#include "quiesce.h"
#include "reaper.h"
#include "wraps.h"

namespace trtn {

namespace {

// Deserialization can take seconds for large engines, so it runs on a background pool thread (background_job.h).
class DeserializeJob : public BackgroundJob {
 public:
  DeserializeJob(Napi::Env env, uint32_t ticket, std::shared_ptr<RuntimeState> runtime, std::vector<uint8_t> bytes)
      : BackgroundJob(env, ticket), mRuntime(std::move(runtime)), mBytes(std::move(bytes)) {}

  void run() override {
    DeviceScope device(mRuntime->cuda(), mRuntime->device);
    std::unique_ptr<EngineBackend> engine;
    {
      std::lock_guard<std::mutex> lock(mRuntime->deserializeMutex);
      engine = retryAfterReleases(
          [&] {
            mFailure = Failure{};
            return mRuntime->runtime->deserialize(mBytes.data(), mBytes.size(), mFailure);
          },
          [&](auto const& e) { return !e && mFailure.code == "OUT_OF_MEMORY"; });
    }
    mBytes = {};
    if (!engine) return;
    // Owned through reaped() from here, so an engine whose environment went first is destroyed as any other.
    mEngine = reaped(new EngineState());
    mEngine->runtime = mRuntime;
    mEngine->engine = std::move(engine);
    auto const& tensors = mEngine->engine->info().tensors;
    for (size_t i = 0; i < tensors.size(); ++i) {
      (tensors[i].isInput ? mEngine->inputs : mEngine->outputs).push_back(static_cast<int>(i));
      bool onHost = tensors[i].location == "host";
      if (!tensors[i].isInput) {
        mEngine->hostOutputs.push_back(onHost);
        mEngine->anyHostOutput = mEngine->anyHostOutput || onHost;
        continue;
      }
      mEngine->hostInputs.push_back(onHost);
      mEngine->anyHostInput = mEngine->anyHostInput || onHost;
    }
  }

  void settle(Napi::Env env, int) override { settleMade(env, addonData(env).engineClass, mEngine, mFailure); }

 private:
  std::shared_ptr<RuntimeState> mRuntime;
  std::vector<uint8_t> mBytes;
  std::shared_ptr<EngineState> mEngine;
  Failure mFailure;
};

}  // namespace

Napi::Function RuntimeWrap::define(Napi::Env env) {
  return DefineClass(env, "Runtime",
                     {InstanceMethod<&RuntimeWrap::info>("info"),
                      InstanceMethod<&RuntimeWrap::device>("device"),
                      InstanceMethod<&RuntimeWrap::deserialize>("deserialize"),
                      InstanceMethod<&RuntimeWrap::createDeviceBuffer>("createDeviceBuffer"),
                      InstanceMethod<&RuntimeWrap::synchronize>("synchronize"),
                      InstanceMethod<&RuntimeWrap::dispose>("dispose"),
                      InstanceAccessor<&RuntimeWrap::disposed>("disposed")});
}

// new Runtime(backend: 'tensorrt' | 'simulator', minSeverity: 0..4, logger?: (severity, message) => void,
//             device = 0)
namespace {

// Argument `index`, an integer in [min, max], or `fallback` when it is absent; anything else is INVALID_ARGUMENT
// (the TypeScript layer checks these first, but nothing reaching the addon directly may be taken for something else).
int intArgument(Napi::CallbackInfo const& info, size_t index, char const* name, int min, int max, int fallback) {
  if (info.Length() <= index || info[index].IsUndefined()) return fallback;
  double v = info[index].IsNumber() ? info[index].As<Napi::Number>().DoubleValue() : -1e300;
  if (!(v >= min && v <= max) || v != static_cast<double>(static_cast<int>(v))) {
    throw jsError(info.Env(), "INVALID_ARGUMENT", std::string(name) + " must be an integer from " + std::to_string(min) +
                                                      " to " + std::to_string(max));
  }
  return static_cast<int>(v);
}

}  // namespace

RuntimeWrap::RuntimeWrap(Napi::CallbackInfo const& info) : Napi::ObjectWrap<RuntimeWrap>(info) {
  Napi::Env env = info.Env();
  tagObject(env, info.This(), kRuntimeTag);
  if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsString()) {
    throw jsError(env, "INVALID_ARGUMENT", "backend must be 'tensorrt' or 'simulator'");
  }
  std::string kind = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "tensorrt";
  // ILogger::Severity: kINTERNAL_ERROR (0) to kVERBOSE (4); messages up to this one reach the logger.
  int minSeverity = intArgument(info, 1, "minSeverity", 0, 4, 2);
  int deviceIndex = intArgument(info, 3, "device", 0, 1 << 20, 0);
  bool allowEngineHostCode = info.Length() > 4 && info[4].ToBoolean().Value();
  if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull() && !info[2].IsFunction()) {
    throw jsError(env, "INVALID_ARGUMENT", "logger must be a function (severity, message)");
  }
  auto backend = loadBackendOrThrow(env, kind);
  requireDeviceExists(env, backend->cuda(), deviceIndex);
  DeviceScope device(backend->cuda(), deviceIndex);
  std::shared_ptr<RuntimeState> state = reaped(new RuntimeState());
  state->backend = backend;
  state->device = deviceIndex;
  state->sink = JsLogSink::create(env, info.Length() > 2 ? info[2] : env.Undefined());
  Failure failure;
  int rc = backend->cuda().cudaStreamCreateWithFlags(&state->utilityStream, cuda::kStreamNonBlocking);
  if (rc != 0) {
    failure.code = "CUDA_ERROR";
    failure.cudaError = rc;
    failure.message = std::string("cudaStreamCreateWithFlags failed: ") + backend->cuda().cudaGetErrorString(rc);
    throw toJsError(env, failure);
  }
  state->runtime = backend->createRuntime(state->sink, minSeverity, allowEngineHostCode, failure);
  if (!state->runtime) throw toJsError(env, failure);
  state->pinned = std::make_unique<PinnedPool>(backend->cuda());
  mState = std::move(state);
}

std::shared_ptr<RuntimeState> RuntimeWrap::state(Napi::Env env) const {
  if (!mState) throwDisposed(env, "Runtime");
  return mState;
}

Napi::Value RuntimeWrap::info(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& s = state(env);
  Napi::Object out = Napi::Object::New(env);
  out.Set("backend", s->backend->kind());
  out.Set("libraryVersion", s->backend->libraryVersion());
  out.Set("headerVersion", s->backend->headerVersion());
  out.Set("libraryPaths", stringArray(env, s->backend->libraryPaths()));
  Failure parser = s->backend->onnxParserProblem();
  out.Set("onnxParserError", parser.code.empty() ? env.Null() : toJsError(env, parser).Value());
  return out;
}

// device(): this runtime's CUDA device (compute capability, multiprocessors, memory), how many devices the machine
// has, and the CUDA versions.
Napi::Value RuntimeWrap::device(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& s = state(env);
  CudaApi const& api = s->cuda();
  DeviceScope scope(api, s->device);  // cudaMemGetInfo reports the current device
  int device = s->device, major = 0, minor = 0, sms = 0, runtimeVersion = 0, driverVersion = 0;
  size_t freeBytes = 0, totalBytes = 0;
  int rc = api.cudaDeviceGetAttribute(&major, cuda::kDevAttrComputeCapabilityMajor, device);
  if (rc == 0) rc = api.cudaDeviceGetAttribute(&minor, cuda::kDevAttrComputeCapabilityMinor, device);
  if (rc == 0) rc = api.cudaDeviceGetAttribute(&sms, cuda::kDevAttrMultiProcessorCount, device);
  if (rc == 0) rc = api.cudaMemGetInfo(&freeBytes, &totalBytes);
  if (rc != 0) {
    Failure f;
    f.code = "CUDA_ERROR";
    f.cudaError = rc;
    f.message = std::string("querying the CUDA device failed: ") + api.cudaGetErrorString(rc);
    throw toJsError(env, f);
  }
  int count = 0;
  api.cudaGetDeviceCount(&count);
  api.cudaRuntimeGetVersion(&runtimeVersion);
  api.cudaDriverGetVersion(&driverVersion);
  // A buffer well above any cudaDeviceProp size (1008 bytes in CUDA 13); only the leading name is read.
  std::vector<char> props(8192, 0);
  std::string name = "unknown";
  if (api.getDeviceProperties && api.getDeviceProperties(props.data(), device) == 0 && props[0] != '\0') {
    name.assign(props.data(), strnlen(props.data(), 256));
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("index", device);
  out.Set("deviceCount", count);
  out.Set("name", name);
  Napi::Array cc = Napi::Array::New(env, 2);
  cc.Set(uint32_t{0}, major);
  cc.Set(uint32_t{1}, minor);
  out.Set("computeCapability", cc);
  out.Set("multiProcessors", sms);
  out.Set("totalMemoryBytes", Napi::Number::New(env, double(totalBytes)));
  out.Set("freeMemoryBytes", Napi::Number::New(env, double(freeBytes)));
  out.Set("cudaRuntimeVersion", runtimeVersion);
  out.Set("cudaDriverVersion", driverVersion);
  return out;
}

// deserialize(ticket, bytes): settles the ticket with an Engine.
void RuntimeWrap::deserialize(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  uint32_t ticket = ticketArg(info, 0);
  auto const& s = state(env);
  uint8_t const* data = nullptr;
  size_t size = 0;
  if (info.Length() < 2 || !bytesOf(info[1], &data, &size)) {
    throw jsError(env, "INVALID_ARGUMENT", "deserialize expects the engine bytes as a Uint8Array or ArrayBuffer");
  }
  // Copied: the caller may reuse or detach its buffer while the job runs.
  BackgroundJob::start(env, std::make_unique<DeserializeJob>(env, ticket, s, std::vector<uint8_t>(data, data + size)));
}

Napi::Value RuntimeWrap::createDeviceBuffer(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& s = state(env);
  double requested = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!(requested >= 0) || requested > 9007199254740991.0 ||
      requested != static_cast<double>(static_cast<int64_t>(requested))) {
    throw jsError(env, "INVALID_ARGUMENT", "createDeviceBuffer: byteLength must be a non-negative integer");
  }
  DeviceScope device(s->cuda(), s->device);
  auto buffer = std::make_shared<DeviceBufferState>();
  buffer->runtime = s;
  buffer->bytes = static_cast<size_t>(requested);
  int rc = retryAfterReleases([&] { return s->cuda().cudaMalloc(&buffer->data, std::max<size_t>(buffer->bytes, 1)); },
                              [](int error) { return error == cuda::kErrorMemoryAllocation; });
  if (rc != 0) {
    buffer->data = nullptr;
    Failure f;
    f.code = rc == cuda::kErrorMemoryAllocation ? "OUT_OF_MEMORY" : "CUDA_ERROR";
    f.cudaError = rc;
    f.message = "cudaMalloc of " + std::to_string(buffer->bytes) + " bytes failed: " + s->cuda().cudaGetErrorString(rc);
    throw toJsError(env, f);
  }
  return newWrapped(addonData(env).deviceBufferClass, env, std::move(buffer));
}

// Waits for all device work (tests and shutdown); blocks the calling thread like cudaDeviceSynchronize. That includes
// runs a launcher thread has yet to enqueue (data-dependent shapes) and releases still under way (quiesce.h).
Napi::Value RuntimeWrap::synchronize(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& s = state(env);
  DeviceScope device(s->cuda(), s->device);  // cudaDeviceSynchronize waits for the current device
  int rc = quiesce([&] { return s->cuda().cudaDeviceSynchronize(); });
  if (rc != 0) throw toJsError(env, cudaFailure(s->cuda(), rc, "cudaDeviceSynchronize"));
  return env.Undefined();
}

void RuntimeWrap::dispose(Napi::CallbackInfo const&) { mState.reset(); }

Napi::Value RuntimeWrap::disposed(Napi::CallbackInfo const& info) {
  requireReceiver(info, kRuntimeTag);  // before any member is read (wraps.h)
  return Napi::Boolean::New(info.Env(), mState == nullptr);
}

}  // namespace trtn
