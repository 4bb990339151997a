// build(backend, onnx, options, onProgress?) -> { promise: Promise<{ plan, timingCache, libraryVersion, plugins,
// trtLog }>, cancel(): void }
// Parses ONNX and builds a plan on a thread of its own; progress phases reach JS through its channel
// (thread_channel.h), and cancel() makes the next IProgressMonitor::stepComplete return false, which stops
// TensorRT's build. The promise settles through the same channel, behind the last event: no event after it.
#include <memory>

#include "addon_data.h"
#include "device_scope.h"
#include "errors.h"
#include "exports.h"
#include "js_bytes.h"
#include "js_strings.h"
#include "plugin_list.h"
#include "thread_channel.h"

namespace trtn {

namespace {

std::vector<int64_t> dimsOf(Napi::Env env, Napi::Value v, std::string const& what) {
  if (!v.IsArray()) throw jsError(env, "INVALID_ARGUMENT", what + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  // A sparse array's length can be 2^32 - 1: sized from it unchecked, the vector's bad_alloc aborted the process.
  if (a.Length() > 4096) {
    throw jsError(env, "INVALID_ARGUMENT", what + " has " + std::to_string(a.Length()) + " entries, more than 4096");
  }
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value d = a.Get(i);
    if (!d.IsNumber()) throw jsError(env, "INVALID_ARGUMENT", what + " must be an array of integers");
    out[i] = d.As<Napi::Number>().Int64Value();
  }
  return out;
}

// A build runs on a thread of its own (thread_channel.h): TensorRT builds take minutes, and on libuv's pool four of
// them stopped every fs, dns and crypto call of the process, and a worker's terminate() waited for its build. The
// build settles through its channel, behind its progress events; a worker torn down mid-build cancels it.
struct Build {
  std::shared_ptr<Backend> backend;
  int device = 0;
  std::vector<uint8_t> onnx;
  BuildOptions options;
  Napi::Promise::Deferred deferred;
  std::shared_ptr<ThreadChannel> channel;
  bool reportProgress = false;

  explicit Build(Napi::Env env) : deferred(env) {}

  // On the build's thread.
  void run() {
    BuildResult result;
    Failure failure;
    {
      DeviceScope scope(backend->cuda(), device);  // TensorRT builds for, and times kernels on, the current device
      auto emit = [this](ChannelEvent e) {
        if (reportProgress) channel->queue(std::move(e));
      };
      options.onPhaseStart = [&](std::string const& phase, std::string const& parent, int32_t steps) {
        emit(ChannelEvent{"start", phase, parent, steps, {}});
      };
      options.onStep = [&](std::string const& phase, int32_t step) {
        emit(ChannelEvent{"step", phase, "", step, {}});
        return !channel->cancelled.load();
      };
      options.onPhaseFinish = [&](std::string const& phase) { emit(ChannelEvent{"finish", phase, "", 0, {}}); };
      result = backend->buildFromOnnx(onnx.data(), onnx.size(), options, nullptr, failure);
    }
    onnx = {};
    if (result.plan.empty() && channel->cancelled.load()) {
      failure.code = "ABORTED";
      failure.message = "the build was cancelled";
    }
    channel->settle([deferred = deferred, result = std::make_shared<BuildResult>(std::move(result)),
                     failure = std::make_shared<Failure>(std::move(failure)),
                     libraryVersion = backend->libraryVersion()](Napi::Env env) {
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
    });
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
  build->channel = ThreadChannel::open(env, build->reportProgress ? info[3].As<Napi::Function>() : Napi::Function(),
                                       "tensorrt-node build");
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", build->deferred.Promise());
  std::weak_ptr<ThreadChannel> channel = build->channel;
  handle.Set("cancel", Napi::Function::New(env, [channel](Napi::CallbackInfo const&) {
                         if (auto open = channel.lock()) open->cancelled.store(true);
                       }, "cancel"));
  std::shared_ptr<ThreadChannel> opened = build->channel;
  try {
    startThread(env, [build = std::shared_ptr<Build>(std::move(build))] { build->run(); }, "the build");
  } catch (...) {
    opened->abandon(env);
    throw;
  }
  return handle;
}

}  // namespace trtn
