// build(backend, onnx, options, onProgress?) -> { promise: Promise<{ plan, timingCache, libraryVersion, plugins,
// trtLog }>, cancel(): void }
// Parses ONNX and builds a plan on a thread of its own; progress phases reach JS through a thread-safe function, and
// cancel() makes the next IProgressMonitor::stepComplete return false, which stops TensorRT's build. The promise
// settles through the same thread-safe function, behind the last event: no event after the promise.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

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
  // A sparse array's length can be 2^32 - 1: sized from it unchecked, the vector's bad_alloc aborted the process.
  if (a.Length() > 4096) throw jsError(env, "INVALID_ARGUMENT", what + " has " + std::to_string(a.Length()) + " entries, more than 4096");
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value d = a.Get(i);
    if (!d.IsNumber()) throw jsError(env, "INVALID_ARGUMENT", what + " must be an array of integers");
    out[i] = d.As<Napi::Number>().Int64Value();
  }
  return out;
}

// What the build's thread and its environment share. The environment's cleanup hook closes it: node destroys the
// thread-safe function with the environment, so a call made after that would touch freed memory (a worker
// terminated mid-build aborted the process). Cleanup hooks run in reverse order of registration, so this one,
// registered after the thread-safe function was made, closes the channel before the function is destroyed.
struct BuildChannel {
  std::mutex mutex;
  bool closed = false;  // under mutex
  ProgressTsfn events;  // progress (when there is a callback), then the settlement
  std::atomic<bool> cancelled{false};

  // Queues an event (or the settlement) behind those queued before; false once the environment is closing.
  bool queue(ProgressEvent event) {
    auto owned = std::make_unique<ProgressEvent>(std::move(event));
    std::lock_guard<std::mutex> lock(mutex);
    if (closed || events.NonBlockingCall(owned.get()) != napi_ok) return false;
    owned.release();  // the queue owns it now
    return true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!closed) events.Release();
  }
  // The environment's cleanup hook: the build stops at its next step, and nothing reaches the environment again.
  static void closeAtTeardown(void* holder) {
    std::unique_ptr<std::shared_ptr<BuildChannel>> owned(static_cast<std::shared_ptr<BuildChannel>*>(holder));
    BuildChannel& channel = **owned;
    channel.cancelled.store(true);
    std::lock_guard<std::mutex> lock(channel.mutex);
    channel.closed = true;
  }
};

// A build runs on a thread of its own, not on libuv's pool: TensorRT builds take minutes, and the pool's 4 threads
// also serve the process's fs, dns and crypto (4 builds stopped a readFile for their whole length), and a worker's
// teardown waits for pool work (worker.terminate() waited for the build). The build settles through its
// thread-safe function, behind its progress events.
struct Build {
  std::shared_ptr<Backend> backend;
  int device = 0;
  std::vector<uint8_t> onnx;
  BuildOptions options;
  Napi::Promise::Deferred deferred;
  std::shared_ptr<BuildChannel> channel = std::make_shared<BuildChannel>();
  bool reportProgress = false;
  // The cleanup hook's argument, owned by the hook until the settlement removes it (both on the JS thread).
  std::shared_ptr<BuildChannel>* hook = nullptr;

  explicit Build(Napi::Env env) : deferred(env) {}

  // On the build's thread.
  void run() {
    BuildResult result;
    Failure failure;
    {
      DeviceScope scope(backend->cuda(), device);  // TensorRT builds for, and times kernels on, the current device
      auto emit = [this](ProgressEvent e) {
        if (reportProgress) channel->queue(std::move(e));
      };
      options.onPhaseStart = [&](std::string const& phase, std::string const& parent, int32_t steps) {
        emit(ProgressEvent{"start", phase, parent, steps, {}});
      };
      options.onStep = [&](std::string const& phase, int32_t step) {
        emit(ProgressEvent{"step", phase, "", step, {}});
        return !channel->cancelled.load();
      };
      options.onPhaseFinish = [&](std::string const& phase) { emit(ProgressEvent{"finish", phase, "", 0, {}}); };
      result = backend->buildFromOnnx(onnx.data(), onnx.size(), options, nullptr, failure);
    }
    onnx = {};
    if (result.plan.empty() && channel->cancelled.load()) {
      failure.code = "ABORTED";
      failure.message = "the build was cancelled";
    }
    auto settle = [deferred = deferred, hook = hook, result = std::make_shared<BuildResult>(std::move(result)),
                   failure = std::make_shared<Failure>(std::move(failure)),
                   libraryVersion = backend->libraryVersion()](Napi::Env env) {
      napi_remove_env_cleanup_hook(env, BuildChannel::closeAtTeardown, hook);
      delete hook;
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
    // Refused only once the environment is closing: nobody waits for the promise then.
    channel->queue(ProgressEvent{"", "", "", 0, settle});
    channel->release();
  }
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
  // Copied before the options are read: a getter among them could detach or shrink the model's buffer.
  std::vector<uint8_t> onnx(bytes, bytes + size);
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
  auto build = std::make_unique<Build>(env);
  build->backend = backend;
  build->device = device;
  build->onnx = std::move(onnx);
  build->options = std::move(options);
  build->reportProgress = info.Length() > 3 && info[3].IsFunction();
  build->channel->events = ProgressTsfn::New(env, build->reportProgress ? info[3].As<Napi::Function>() : Napi::Function(),
                                             "tensorrt-node build", 0, 1);
  build->hook = new std::shared_ptr<BuildChannel>(build->channel);
  napi_add_env_cleanup_hook(env, BuildChannel::closeAtTeardown, build->hook);
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", build->deferred.Promise());
  std::weak_ptr<BuildChannel> channel = build->channel;
  handle.Set("cancel", Napi::Function::New(env, [channel](Napi::CallbackInfo const&) {
                         if (auto open = channel.lock()) open->cancelled.store(true);
                       }, "cancel"));
  Build* started = build.release();
  try {
    std::thread([started] { std::unique_ptr<Build>(started)->run(); }).detach();
  } catch (std::exception const& e) {  // no thread to be had: nothing may escape into N-API
    std::unique_ptr<Build> unstarted(started);
    napi_remove_env_cleanup_hook(env, BuildChannel::closeAtTeardown, unstarted->hook);
    delete unstarted->hook;
    unstarted->channel->release();
    throw jsError(env, "INTERNAL", std::string("could not start the build's thread: ") + e.what());
  }
  return handle;
}

}  // namespace trtn
