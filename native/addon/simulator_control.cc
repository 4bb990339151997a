// The simulator's test controls (fault injection, counters, device and cost model), reached through the loaded
// simulator library so that tests drive exactly the code the backend runs.
#include "../sim/include/trtsim_control.h"

#include "errors.h"
#include "exports.h"
#include "quiesce.h"
#include "../backend/backend.h"

namespace trtn {

namespace {

template <typename Fn>
Fn symbol(Napi::Env env, char const* name) {
  auto backend = loadBackendOrThrow(env, "simulator");
  void* p = backend->cudaSymbol(name);
  if (!p) throw jsError(env, "LIBRARY_VERSION", std::string("the simulator library lacks ") + name);
  return reinterpret_cast<Fn>(p);
}

double num(Napi::CallbackInfo const& info, size_t i, double fallback) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().DoubleValue() : fallback;
}

Napi::Value injectFault(Napi::CallbackInfo const& info) {
  auto fn = symbol<int (*)(int, int, int, double)>(info.Env(), "trtsim_inject_fault");
  int rc = fn(static_cast<int>(num(info, 0, 0)), static_cast<int>(num(info, 1, 1)), static_cast<int>(num(info, 2, 0)),
              num(info, 3, 0));
  if (rc != 0) throw jsError(info.Env(), "INVALID_ARGUMENT", "unknown simulator fault kind");
  return info.Env().Undefined();
}

Napi::Value clearFaults(Napi::CallbackInfo const& info) {
  symbol<void (*)()>(info.Env(), "trtsim_clear_faults")();
  return info.Env().Undefined();
}

Napi::Value clearStickyError(Napi::CallbackInfo const& info) {
  symbol<void (*)()>(info.Env(), "trtsim_clear_sticky_error")();
  return info.Env().Undefined();
}

Napi::Value counters(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  trtsim_counters c{};
  symbol<void (*)(trtsim_counters*)>(env, "trtsim_get_counters")(&c);
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](char const* key, int64_t v) { o.Set(key, Napi::Number::New(env, double(v))); };
  set("liveDeviceAllocations", c.live_device_allocations);
  set("liveDeviceBytes", c.live_device_bytes);
  set("livePinnedAllocations", c.live_pinned_allocations);
  set("livePinnedBytes", c.live_pinned_bytes);
  set("liveStreams", c.live_streams);
  set("liveEvents", c.live_events);
  set("kernelsExecuted", c.kernels_executed);
  set("copiesExecuted", c.copies_executed);
  set("hostCallbacksExecuted", c.host_callbacks_executed);
  set("implicitDeviceSyncs", c.implicit_device_syncs);
  set("stickyError", c.sticky_error);
  set("liveRuntimes", c.live_runtimes);
  set("liveEngines", c.live_engines);
  set("liveContexts", c.live_contexts);
  set("liveBuilders", c.live_builders);
  set("enqueues", c.enqueues);
  set("builds", c.builds);
  set("timingCacheHits", c.timing_cache_hits);
  set("timingCacheMisses", c.timing_cache_misses);
  set("liveGraphs", c.live_graphs);
  set("liveGraphExecs", c.live_graph_execs);
  set("graphLaunches", c.graph_launches);
  set("destroyOrderViolations", c.destroy_order_violations);
  set("blockedLaunches", c.blocked_launches);
  set("kernelModulesLoaded", c.kernel_modules_loaded);
  return o;
}

// setDevice(major, minor, totalMemoryBytes, name, index = -1: every device)
Napi::Value setDevice(Napi::CallbackInfo const& info) {
  std::string name = info.Length() > 3 && info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
  int rc = symbol<int (*)(int, int, int, int64_t, char const*)>(info.Env(), "trtsim_set_device_config")(
      static_cast<int>(num(info, 4, -1)), static_cast<int>(num(info, 0, 0)), static_cast<int>(num(info, 1, -1)),
      static_cast<int64_t>(num(info, 2, 0)), name.c_str());
  if (rc != 0) throw jsError(info.Env(), "INVALID_ARGUMENT", "simulated device index must be 0..15");
  return info.Env().Undefined();
}

Napi::Value getDevice(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  int major = 0, minor = 0;
  int64_t memory = 0;
  char const* name = nullptr;
  symbol<void (*)(int, int*, int*, int64_t*, char const**)>(env, "trtsim_get_device_config")(
      static_cast<int>(num(info, 0, 0)), &major, &minor, &memory, &name);
  Napi::Object o = Napi::Object::New(env);
  o.Set("computeMajor", major);
  o.Set("computeMinor", minor);
  o.Set("totalMemoryBytes", Napi::Number::New(env, double(memory)));
  o.Set("name", name ? name : "");
  return o;
}

Napi::Value setDeviceCount(Napi::CallbackInfo const& info) {
  return Napi::Number::New(info.Env(), symbol<int (*)(int)>(info.Env(), "trtsim_set_device_count")(
                                           static_cast<int>(num(info, 0, 1))));
}

Napi::Value setCostModel(Napi::CallbackInfo const& info) {
  symbol<void (*)(double, double, double, int)>(info.Env(), "trtsim_set_cost_model")(
      num(info, 0, 0), num(info, 1, 0), num(info, 2, 0), static_cast<int>(num(info, 3, 0)));
  return info.Env().Undefined();
}

// setX(amount): hands its number to the simulator control named by the function's data (a cost or a delay).
Napi::Value setAmount(Napi::CallbackInfo const& info) {
  symbol<void (*)(double)>(info.Env(), static_cast<char const*>(info.Data()))(num(info, 0, 0));
  return info.Env().Undefined();
}

// threadLaunches(): the kernel and graph launches made so far by the calling thread (this JS thread).
Napi::Value threadLaunches(Napi::CallbackInfo const& info) {
  int64_t kernels = 0;
  int64_t graphs = 0;
  symbol<void (*)(int64_t*, int64_t*)>(info.Env(), "trtsim_thread_launches")(&kernels, &graphs);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("kernels", static_cast<double>(kernels));
  o.Set("graphs", static_cast<double>(graphs));
  return o;
}

// setStreamSpin(micros?): sets the workers' doorbell polling time; returns the time in effect before.
Napi::Value setStreamSpin(Napi::CallbackInfo const& info) {
  double before = symbol<double (*)()>(info.Env(), "trtsim_stream_spin")();
  if (info.Length() > 0 && info[0].IsNumber()) {
    symbol<void (*)(double)>(info.Env(), "trtsim_set_stream_spin")(num(info, 0, 0));
  }
  return Napi::Number::New(info.Env(), before);
}

// Waits until no launcher task, release or device work is left (quiesce.h), on every simulated device.
Napi::Value deviceSynchronize(Napi::CallbackInfo const& info) {
  auto cudaDeviceSynchronize = symbol<int (*)()>(info.Env(), "cudaDeviceSynchronize");
  return Napi::Number::New(info.Env(), quiesce([&] { return cudaDeviceSynchronize(); }));
}

}  // namespace

Napi::Object simulatorControl(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("injectFault", Napi::Function::New(env, injectFault, "injectFault"));
  o.Set("clearFaults", Napi::Function::New(env, clearFaults, "clearFaults"));
  o.Set("clearStickyError", Napi::Function::New(env, clearStickyError, "clearStickyError"));
  o.Set("counters", Napi::Function::New(env, counters, "counters"));
  o.Set("setDevice", Napi::Function::New(env, setDevice, "setDevice"));
  o.Set("getDevice", Napi::Function::New(env, getDevice, "getDevice"));
  o.Set("setDeviceCount", Napi::Function::New(env, setDeviceCount, "setDeviceCount"));
  o.Set("setCostModel", Napi::Function::New(env, setCostModel, "setCostModel"));
  o.Set("setHostLaunchCost", Napi::Function::New(env, setAmount, "setHostLaunchCost", const_cast<char*>("trtsim_set_host_launch_cost")));
  o.Set("setModuleLoadCost", Napi::Function::New(env, setAmount, "setModuleLoadCost", const_cast<char*>("trtsim_set_module_load_cost")));
  o.Set("threadLaunches", Napi::Function::New(env, threadLaunches, "threadLaunches"));
  o.Set("setBuildStepDelay", Napi::Function::New(env, setAmount, "setBuildStepDelay", const_cast<char*>("trtsim_set_build_step_delay")));
  o.Set("setContextCreateDelay", Napi::Function::New(env, setAmount, "setContextCreateDelay", const_cast<char*>("trtsim_set_context_create_delay")));
  o.Set("setDeserializeDelay", Napi::Function::New(env, setAmount, "setDeserializeDelay", const_cast<char*>("trtsim_set_deserialize_delay")));
  o.Set("setStreamSpin", Napi::Function::New(env, setStreamSpin, "setStreamSpin"));
  o.Set("deviceSynchronize", Napi::Function::New(env, deviceSynchronize, "deviceSynchronize"));
  return o;
}

}  // namespace trtn
