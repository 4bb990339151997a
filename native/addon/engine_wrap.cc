// Engine: a deserialized ICudaEngine; describes its IO and profiles, creates execution contexts, serializes.
#include "addon_data.h"
#include "background_job.h"
#include "device_scope.h"
#include "errors.h"
#include "reaper.h"
#include "warm_up.h"
#include "wraps.h"

namespace trtn {

namespace {

Napi::Array dimsArray(Napi::Env env, std::vector<int64_t> const& dims) {
  Napi::Array out = Napi::Array::New(env, dims.size());
  for (size_t i = 0; i < dims.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, double(dims[i])));
  return out;
}

}  // namespace

Napi::Function EngineWrap::define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {InstanceMethod<&EngineWrap::info>("info"),
                      InstanceMethod<&EngineWrap::createContext>("createContext"),
                      InstanceMethod<&EngineWrap::createContextAsync>("createContextAsync"),
                      InstanceMethod<&EngineWrap::serialize>("serialize"),
                      InstanceMethod<&EngineWrap::dispose>("dispose"),
                      InstanceAccessor<&EngineWrap::disposed>("disposed")});
}

EngineWrap::EngineWrap(Napi::CallbackInfo const& info)
    : Napi::ObjectWrap<EngineWrap>(info), mState(takeWrapped<EngineState>(info, "Engine", "runtime.deserialize()")) {
  tagObject(info.Env(), info.This(), kEngineTag);
}

std::shared_ptr<EngineState> EngineWrap::state(Napi::Env env) const {
  if (!mState) throwDisposed(env, "Engine");
  return mState;
}

Napi::Value EngineWrap::info(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  EngineInfo const& e = state(env)->engine->info();
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", e.name);
  out.Set("layers", e.layers);
  out.Set("deviceMemoryBytes", Napi::Number::New(env, double(e.deviceMemoryBytes)));
  Napi::Array tensors = Napi::Array::New(env, e.tensors.size());
  for (size_t i = 0; i < e.tensors.size(); ++i) {
    TensorInfo const& t = e.tensors[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", t.name);
    o.Set("mode", t.isInput ? "input" : "output");
    o.Set("dtype", dataTypeName(t.dataType));
    o.Set("shape", dimsArray(env, t.shape));
    o.Set("format", t.format);
    o.Set("location", t.location);
    o.Set("dataDependent", t.dataDependent);
    tensors.Set(static_cast<uint32_t>(i), o);
  }
  out.Set("tensors", tensors);
  Napi::Array profiles = Napi::Array::New(env, e.profiles.size());
  for (size_t p = 0; p < e.profiles.size(); ++p) {
    Napi::Object byName = Napi::Object::New(env);
    for (auto const& entry : e.profiles[p]) {
      Napi::Object shapes = Napi::Object::New(env);
      shapes.Set("min", dimsArray(env, entry.min));
      shapes.Set("opt", dimsArray(env, entry.opt));
      shapes.Set("max", dimsArray(env, entry.max));
      if (!entry.minValues.empty()) {
        Napi::Object values = Napi::Object::New(env);
        values.Set("min", dimsArray(env, entry.minValues));
        values.Set("opt", dimsArray(env, entry.optValues));
        values.Set("max", dimsArray(env, entry.maxValues));
        shapes.Set("values", values);
      }
      byName.Set(entry.tensor, shapes);
    }
    profiles.Set(static_cast<uint32_t>(p), byName);
  }
  out.Set("profiles", profiles);
  return out;
}

namespace {

// What createContext and createContextAsync are asked for beyond a context (ContextOptions.profile, .warmUp).
struct ContextSetup {
  int32_t profile = 0;
  bool warmUp = false;
};

// (profile?: number, warmUp?: boolean) at `first`, checked by lib/engine.ts.
ContextSetup contextSetupArgs(Napi::CallbackInfo const& info, size_t first) {
  ContextSetup setup;
  if (info.Length() > first && info[first].IsNumber()) setup.profile = info[first].As<Napi::Number>().Int32Value();
  if (info.Length() > first + 1 && info[first + 1].IsBoolean()) setup.warmUp = info[first + 1].As<Napi::Boolean>();
  return setup;
}

// A new context of `engine` with its own stream, set up, or null with `failure`. Any thread: the JS thread
// (createContext) or a background pool thread (createContextAsync).
std::shared_ptr<ContextState> makeContext(std::shared_ptr<EngineState> const& engine, ContextSetup setup,
                                          Failure& failure) {
  CudaApi const& api = engine->runtime->cuda();
  // The engine loads (inspect shows it), but a run would misread such a tensor's memory.
  for (TensorInfo const& t : engine->engine->info().tensors) {
    if (t.unbindable.empty()) continue;
    failure.code = "ENGINE_INCOMPATIBLE";
    failure.tensor = t.name;
    failure.message = std::string(t.isInput ? "input" : "output") + " '" + t.name + "' cannot be bound: " +
                      t.unbindable + "; rebuild the engine with row-major (linear) IO, TensorRT's default";
    return nullptr;
  }
  DeviceScope device(api, engine->deviceIndex());
  std::shared_ptr<ContextState> ctx = reaped(new ContextState());
  ctx->engine = engine;
  int rc = api.cudaStreamCreateWithFlags(&ctx->stream, cuda::kStreamNonBlocking);
  if (rc != 0) {
    failure.code = "CUDA_ERROR";
    failure.cudaError = rc;
    failure.message = std::string("cudaStreamCreateWithFlags failed: ") + api.cudaGetErrorString(rc);
    return nullptr;
  }
  {
    // One creation per engine at a time: TensorRT promises concurrent use of different contexts, not concurrent
    // calls into one engine.
    std::lock_guard<std::mutex> lock(engine->contextCreateMutex);
    ctx->context = retryAfterReleases(
        [&] {
          failure = Failure{};
          return engine->engine->createContext(failure);
        },
        [&](auto const& context) { return !context && failure.code == "OUT_OF_MEMORY"; });
  }
  if (!ctx->context) return nullptr;
  size_t n = engine->engine->info().tensors.size();
  ctx->staging = std::make_unique<PinnedPool>(api);
  ctx->deviceBuffers.resize(n);
  ctx->boundAddress.assign(n, nullptr);
  ctx->inputDims.resize(engine->inputs.size());
  ctx->hostValues.resize(engine->inputs.size());
  ctx->shapeOutputValues.resize(engine->outputs.size());
  ctx->outputDims.resize(engine->outputs.size());
  if (!selectProfileAndWarmUp(*ctx, setup.profile, setup.warmUp, failure)) return nullptr;
  return ctx;
}

// createExecutionContext allocates the context's activation memory and sets up its kernels, which takes from
// milliseconds to a second for large engines: createContextAsync does it on a background pool thread.
class CreateContextJob : public BackgroundJob {
 public:
  CreateContextJob(Napi::Env env, uint32_t ticket, std::shared_ptr<EngineState> engine, ContextSetup setup)
      : BackgroundJob(env, ticket), mEngine(std::move(engine)), mSetup(setup) {}

  void run() override { mContext = makeContext(mEngine, mSetup, mFailure); }

  void settle(Napi::Env env, int) override { settleMade(env, addonData(env).contextClass, mContext, mFailure); }

 private:
  std::shared_ptr<EngineState> mEngine;
  ContextSetup mSetup;
  std::shared_ptr<ContextState> mContext;  // released by the reaper if the environment went first
  Failure mFailure;
};

}  // namespace

Napi::Value EngineWrap::createContext(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  Failure failure;
  std::shared_ptr<ContextState> ctx = makeContext(state(env), contextSetupArgs(info, 0), failure);
  if (!ctx) throw toJsError(env, failure);
  return newWrapped(addonData(env).contextClass, env, std::move(ctx));
}

// createContextAsync(ticket, profile?, warmUp?): settles the ticket with a new ExecutionContext.
void EngineWrap::createContextAsync(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  uint32_t ticket = ticketArg(info, 0);
  BackgroundJob::start(env, std::make_unique<CreateContextJob>(env, ticket, state(env), contextSetupArgs(info, 1)));
}

Napi::Value EngineWrap::serialize(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto const& engine = state(env);
  DeviceScope device(engine->cuda(), engine->deviceIndex());
  Failure failure;
  std::vector<uint8_t> bytes = engine->engine->serialize(failure);
  if (bytes.empty()) throw toJsError(env, failure);
  Napi::Buffer<uint8_t> out = Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
  return out;
}

void EngineWrap::dispose(Napi::CallbackInfo const&) { mState.reset(); }

Napi::Value EngineWrap::disposed(Napi::CallbackInfo const& info) {
  requireReceiver(info, kEngineTag);  // before any member is read (wraps.h)
  return Napi::Boolean::New(info.Env(), mState == nullptr);
}

}  // namespace trtn
