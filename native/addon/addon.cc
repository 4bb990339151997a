// Module entry: registers the classes and functions, and the per-environment state (main thread and workers).
#include <dlfcn.h>
#include <napi.h>

#include <cmath>
#include <mutex>

#include "../backend/backend.h"
#include "addon_data.h"
#include "errors.h"
#include "exports.h"
#include "reaper.h"
#include "wraps.h"

namespace trtn {

AddonData& addonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

namespace {

std::string versionText(int32_t v) {
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

// buildInfo(): which backends this addon was compiled with, and against which TensorRT header version.
Napi::Value buildInfo(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("napiVersion", NAPI_VERSION);
  auto compiled = compiledBackends();
  Napi::Array list = Napi::Array::New(env, compiled.size());
  for (size_t i = 0; i < compiled.size(); ++i) {
    Napi::Object b = Napi::Object::New(env);
    b.Set("kind", compiled[i].kind);
    b.Set("headerVersion", versionText(compiled[i].headerVersion));
    b.Set("simulatorHeader", compiled[i].simulatorHeader);
    list.Set(static_cast<uint32_t>(i), b);
  }
  out.Set("backends", list);
  return out;
}

// setCompletionPolling(micros?): this environment's completion polling time (see completion.h); returns the
// previous value. Without an argument it only reads it.
Napi::Value setCompletionPolling(Napi::CallbackInfo const& info) {
  auto& completion = *addonData(info.Env()).completion;
  bool reading = info.Length() == 0 || info[0].IsUndefined();
  double micros = !reading && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
  if (!reading && !(micros >= 0 && std::isfinite(micros))) {
    throw jsError(info.Env(), "INVALID_ARGUMENT", "the completion polling time must be a finite number of microseconds >= 0");
  }
  double before = completion.setPollMicros(0);
  completion.setPollMicros(reading ? before : micros);
  return Napi::Number::New(info.Env(), before);
}

// installSettle(settleBatch, arena: ArrayBuffer): the JS function that settles this environment's promises and the
// memory small results travel in (completion.h).
void installSettle(Napi::CallbackInfo const& info) {
  if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsArrayBuffer()) {
    throw jsError(info.Env(), "INVALID_ARGUMENT", "installSettle expects a function and an ArrayBuffer");
  }
  // A resizable arena could shrink under the results written into it (the drain also checks its length each time).
  if (info[1].As<Napi::Object>().Get("resizable").ToBoolean().Value()) {
    throw jsError(info.Env(), "INVALID_ARGUMENT", "installSettle needs a fixed-length ArrayBuffer, not a resizable one");
  }
  addonData(info.Env()).completion->installSettle(info[0].As<Napi::Function>(), info[1].As<Napi::ArrayBuffer>());
}

// completionStats(): how this environment's completions reached JavaScript.
Napi::Value completionStats(Napi::CallbackInfo const& info) {
  CompletionQueue::Stats stats = addonData(info.Env()).completion->stats();
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("wakeUps", static_cast<double>(stats.wakeUps));
  out.Set("settled", static_cast<double>(stats.settled));
  return out;
}

// The addon stays loaded until the process exits. Node unloads an addon with the last environment that loaded it
// (a worker pool whose main thread never required it), but the addon's threads outlive environments: the reaper,
// the launchers, and the CUDA threads that call its stream callbacks. Unloaded under them, they would run unmapped
// code, and the addon's exit handler (Reaper::drain) would run inside dlclose and deadlock with the loader lock.
void pinInMemory() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info self{};
    if (dladdr(reinterpret_cast<void*>(&pinInMemory), &self) != 0 && self.dli_fname != nullptr) {
      dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);  // a reference never closed, on a library never unloaded
    }
  });
}

}  // namespace
}  // namespace trtn

static Napi::Object InitTensorrtNode(Napi::Env env, Napi::Object exports) {
  using namespace trtn;
  pinInMemory();
  auto* data = new AddonData();
  env.SetInstanceData<AddonData>(data);  // deleted by N-API at environment teardown
  data->completion = CompletionQueue::create(env);
  data->completion->installNextTurn(env);
  auto completion = data->completion;
  env.AddCleanupHook([completion]() {
    completion->close();
    Reaper::drain();  // best effort: what this environment released so far is gone before it is
  });

  Napi::Function runtime = RuntimeWrap::define(env);
  Napi::Function engine = EngineWrap::define(env);
  Napi::Function context = ContextWrap::define(env);
  Napi::Function deviceBuffer = DeviceBufferWrap::define(env);
  data->runtimeClass = Napi::Persistent(runtime);
  data->engineClass = Napi::Persistent(engine);
  data->contextClass = Napi::Persistent(context);
  data->deviceBufferClass = Napi::Persistent(deviceBuffer);

  exports.Set("Runtime", runtime);
  exports.Set("Engine", engine);
  exports.Set("ExecutionContext", context);
  exports.Set("DeviceBuffer", deviceBuffer);
  exports.Set("buildInfo", Napi::Function::New(env, buildInfo, "buildInfo"));
  exports.Set("build", Napi::Function::New(env, buildEngine, "build"));
  exports.Set("describeOnnx", Napi::Function::New(env, describeOnnx, "describeOnnx"));
  exports.Set("plugins", Napi::Function::New(env, plugins, "plugins"));
  exports.Set("loadPluginLibrary", Napi::Function::New(env, loadPluginLibrary, "loadPluginLibrary"));
  exports.Set("simulator", simulatorControl(env));
  exports.Set("setCompletionPolling", Napi::Function::New(env, setCompletionPolling, "setCompletionPolling"));
  exports.Set("completionStats", Napi::Function::New(env, completionStats, "completionStats"));
  exports.Set("installSettle", Napi::Function::New(env, installSettle, "installSettle"));
  return exports;
}

NODE_API_MODULE(tensorrt_node, InitTensorrtNode)
