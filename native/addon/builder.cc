// build(backend, onnx, options, onProgress?) -> { promise: Promise<{ plan, timingCache, libraryVersion, plugins,
// trtLog }>, cancel(): void }
// Parses ONNX and builds a plan on a worker thread; progress phases reach JS through a thread-safe function, and
// cancel() makes the next IProgressMonitor::stepComplete return false, which stops TensorRT's build. With progress,
// the promise settles through the same thread-safe function, behind the last event: no event after the promise.
#include <atomic>
#include <functional>

#include "addon_data.h"
#include "device_scope.h"
#include "errors.h"
#include "exports.h"
#include "js_bytes.h"
#include "js_strings.h"
#include "plugin_list.h"

namespace trtn {

namespace {

struct ProgressEvent {
  std::string kind;  // "start", "step", "finish"
  std::string phase;
  std::string parent;
  int32_t value = 0;  // steps for "start", the step for "step"
  // Instead of an event: the build's settlement, queued behind the events.
  std::function<void(Napi::Env)> settle;
};

void callProgress(Napi::Env env, Napi::Function callback, std::nullptr_t*, ProgressEvent* event) {
  std::unique_ptr<ProgressEvent> owned(event);
  if (env == nullptr) return;  // the environment is going away: nobody waits for the promise
  if (owned->settle) {
    owned->settle(env);
    return;
  }
  if (callback.IsEmpty()) return;
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", owned->kind);
  o.Set("phase", owned->phase);
  if (!owned->parent.empty()) o.Set("parent", owned->parent);
  if (owned->kind == "start") o.Set("steps", owned->value);
  if (owned->kind == "step") o.Set("step", owned->value);
  try {
    callback.Call({o});
  } catch (Napi::Error const& e) {
    // Not swallowed: the callback's exception surfaces as an uncaught exception, like any throwing event handler.
    // (Thrown back from a thread-safe function's call, Node's default policy for this N-API version only prints a
    // DEP0168 warning.)
    if (!e.Value().IsEmpty()) napi_fatal_exception(env, e.Value());
  }
}

using ProgressTsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, ProgressEvent, &callProgress>;

std::vector<int64_t> dimsOf(Napi::Env env, Napi::Value v, std::string const& what) {
  if (!v.IsArray()) throw jsError(env, "INVALID_ARGUMENT", what + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value d = a.Get(i);
    if (!d.IsNumber()) throw jsError(env, "INVALID_ARGUMENT", what + " must be an array of integers");
    out[i] = d.As<Napi::Number>().Int64Value();
  }
  return out;
}

class BuildWorker : public Napi::AsyncWorker {
 public:
  BuildWorker(Napi::Env env, std::shared_ptr<Backend> backend, int device, std::vector<uint8_t> onnx,
              BuildOptions options)
      : Napi::AsyncWorker(env, "tensorrt-node build"), mBackend(std::move(backend)), mDevice(device),
        mOnnx(std::move(onnx)), mOptions(std::move(options)), mDeferred(env),
        mCancelled(std::make_shared<std::atomic<bool>>(false)) {}

  ~BuildWorker() override {
    if (mHasProgress) mProgress.Release();
  }

  void attachProgress(Napi::Env env, Napi::Function callback) {
    mProgress = ProgressTsfn::New(env, callback, "tensorrt-node build progress", 0, 1);
    mHasProgress = true;
  }

  Napi::Promise promise() { return mDeferred.Promise(); }
  std::shared_ptr<std::atomic<bool>> cancelled() { return mCancelled; }

  void Execute() override {
    DeviceScope device(mBackend->cuda(), mDevice);  // TensorRT builds for, and times kernels on, the current device
    auto emit = [this](ProgressEvent e) {
      if (mHasProgress) queue(std::move(e));
    };
    mOptions.onPhaseStart = [&](std::string const& phase, std::string const& parent, int32_t steps) {
      emit(ProgressEvent{"start", phase, parent, steps, {}});
    };
    mOptions.onStep = [&](std::string const& phase, int32_t step) {
      emit(ProgressEvent{"step", phase, "", step, {}});
      return !mCancelled->load();
    };
    mOptions.onPhaseFinish = [&](std::string const& phase) { emit(ProgressEvent{"finish", phase, "", 0, {}}); };
    mResult = mBackend->buildFromOnnx(mOnnx.data(), mOnnx.size(), mOptions, nullptr, mFailure);
  }

  void OnOK() override {
    if (mResult.plan.empty() && mCancelled->load()) {
      mFailure.code = "ABORTED";
      mFailure.message = "the build was cancelled";
    }
    auto settle = [deferred = mDeferred, result = std::make_shared<BuildResult>(std::move(mResult)),
                   failure = std::make_shared<Failure>(std::move(mFailure)),
                   libraryVersion = mBackend->libraryVersion()](Napi::Env env) {
      Napi::HandleScope scope(env);
      if (result->plan.empty()) {
        deferred.Reject(toJsError(env, *failure).Value());
        return;
      }
      Napi::Object out = Napi::Object::New(env);
      out.Set("plan", Napi::Buffer<uint8_t>::Copy(env, result->plan.data(), result->plan.size()));
      out.Set("timingCache", Napi::Buffer<uint8_t>::Copy(env, result->timingCache.data(), result->timingCache.size()));
      out.Set("libraryVersion", libraryVersion);
      out.Set("plugins", pluginList(env, result->plugins));
      out.Set("trtLog", stringArray(env, result->log));
      deferred.Resolve(out);
    };
    // Behind the progress events still queued; settled here when there are none, or the queue is closing.
    if (!mHasProgress || !queue(ProgressEvent{"", "", "", 0, settle})) settle(Env());
  }

  void OnError(Napi::Error const& e) override { mDeferred.Reject(e.Value()); }

 private:
  // Queues an event (or the settlement) behind those queued before; false when the queue is closing.
  bool queue(ProgressEvent event) {
    auto owned = std::make_unique<ProgressEvent>(std::move(event));
    if (mProgress.NonBlockingCall(owned.get()) != napi_ok) return false;
    owned.release();  // the queue owns it now
    return true;
  }

  std::shared_ptr<Backend> mBackend;
  int mDevice;
  std::vector<uint8_t> mOnnx;
  BuildOptions mOptions;
  Napi::Promise::Deferred mDeferred;
  std::shared_ptr<std::atomic<bool>> mCancelled;
  ProgressTsfn mProgress;
  bool mHasProgress = false;
  BuildResult mResult;
  Failure mFailure;
};

}  // namespace

Napi::Value buildEngine(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  std::string kind = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "tensorrt";
  uint8_t const* bytes = nullptr;
  size_t size = 0;
  if (info.Length() < 2 || !bytesOf(info[1], &bytes, &size)) {
    throw jsError(env, "INVALID_ARGUMENT", "build(backend, onnx: Uint8Array, options?, onProgress?)");
  }
  BuildOptions options;
  int device = 0;
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Object o = info[2].As<Napi::Object>();
    if (o.Get("device").IsNumber()) device = o.Get("device").As<Napi::Number>().Int32Value();
    if (o.Has("workspaceBytes") && o.Get("workspaceBytes").IsNumber()) {
      options.workspaceBytes = o.Get("workspaceBytes").As<Napi::Number>().Int64Value();
    }
    if (o.Has("optimizationLevel") && o.Get("optimizationLevel").IsNumber()) {
      options.optimizationLevel = o.Get("optimizationLevel").As<Napi::Number>().Int32Value();
    }
    if (o.Get("precision").IsString()) options.precision = o.Get("precision").As<Napi::String>().Utf8Value();
    options.stronglyTyped = o.Get("stronglyTyped").ToBoolean().Value();
    options.versionCompatible = o.Get("versionCompatible").ToBoolean().Value();
    options.excludeLeanRuntime = o.Get("excludeLeanRuntime").ToBoolean().Value();
    if (o.Get("hardwareCompatibility").IsString()) {
      options.hardwareCompatibility = o.Get("hardwareCompatibility").As<Napi::String>().Utf8Value();
    }
    if (o.Get("ioFormats").IsObject()) {
      Napi::Object formats = o.Get("ioFormats").As<Napi::Object>();
      Napi::Array names = formats.GetPropertyNames();
      for (uint32_t k = 0; k < names.Length(); ++k) {
        std::string name = names.Get(k).ToString().Utf8Value();
        options.ioFormats.emplace_back(name, formats.Get(name).ToString().Utf8Value());
      }
    }
    if (o.Get("shapeOutputs").IsArray()) {
      Napi::Array names = o.Get("shapeOutputs").As<Napi::Array>();
      for (uint32_t k = 0; k < names.Length(); ++k) options.shapeOutputs.push_back(names.Get(k).ToString().Utf8Value());
    }
    uint8_t const* blob = nullptr;
    size_t blobSize = 0;
    if (bytesOf(o.Get("calibrationCache"), &blob, &blobSize)) options.calibrationCache.assign(blob, blob + blobSize);
    if (bytesOf(o.Get("timingCache"), &blob, &blobSize)) options.timingCache.assign(blob, blob + blobSize);
    if (o.Has("profiles") && o.Get("profiles").IsArray()) {
      Napi::Array profiles = o.Get("profiles").As<Napi::Array>();
      for (uint32_t p = 0; p < profiles.Length(); ++p) {
        Napi::Value entries = profiles.Get(p);
        if (!entries.IsArray()) throw jsError(env, "INVALID_ARGUMENT", "each profile must be an array of inputs");
        std::vector<BuildProfile> profile;
        Napi::Array list = entries.As<Napi::Array>();
        for (uint32_t k = 0; k < list.Length(); ++k) {
          Napi::Object e = list.Get(k).As<Napi::Object>();
          std::string tensor = e.Get("tensor").ToString().Utf8Value();
          profile.push_back(BuildProfile{tensor, dimsOf(env, e.Get("min"), tensor + ".min"),
                                         dimsOf(env, e.Get("opt"), tensor + ".opt"),
                                         dimsOf(env, e.Get("max"), tensor + ".max"),
                                         e.Get("values").ToBoolean().Value()});
        }
        options.profiles.push_back(std::move(profile));
      }
    }
  }
  auto backend = loadBackendOrThrow(env, kind);
  requireDeviceExists(env, backend->cuda(), device);
  auto* worker = new BuildWorker(env, backend, device, std::vector<uint8_t>(bytes, bytes + size), options);
  if (info.Length() > 3 && info[3].IsFunction()) worker->attachProgress(env, info[3].As<Napi::Function>());
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", worker->promise());
  auto cancelled = worker->cancelled();
  handle.Set("cancel", Napi::Function::New(env, [cancelled](Napi::CallbackInfo const&) { cancelled->store(true); },
                                           "cancel"));
  worker->Queue();
  return handle;
}

}  // namespace trtn
