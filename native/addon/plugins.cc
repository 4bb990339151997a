// plugins(backend) and loadPluginLibrary(backend, path): what a backend's plugin registry holds, and loading a plugin
// library into it. Both are synchronous: they read a list, or open a library and register its creators.
#include <string>

#include "../backend/backend.h"
#include "errors.h"
#include "exports.h"
#include "js_strings.h"
#include "plugin_list.h"

namespace trtn {
namespace {

std::shared_ptr<Backend> backendArg(Napi::CallbackInfo const& info) {
  if (info.Length() < 1 || !info[0].IsString()) {
    throw jsError(info.Env(), "INVALID_ARGUMENT", "backend must be 'tensorrt' or 'simulator'");
  }
  return loadBackendOrThrow(info.Env(), info[0].As<Napi::String>().Utf8Value());
}

}  // namespace

Napi::Array pluginList(Napi::Env env, std::vector<PluginCreatorInfo> const& plugins) {
  Napi::Array out = Napi::Array::New(env, plugins.size());
  for (size_t i = 0; i < plugins.size(); ++i) {
    PluginCreatorInfo const& c = plugins[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", c.name);
    o.Set("version", c.version);
    o.Set("namespace", c.pluginNamespace);
    o.Set("kind", c.kind);
    o.Set("library", c.library.empty() ? env.Null() : Napi::String::New(env, c.library));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Value plugins(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  PluginStatus status = backendArg(info)->plugins();
  Napi::Object out = Napi::Object::New(env);
  out.Set("registry", status.registry);
  Napi::Object standard = Napi::Object::New(env);
  standard.Set("path", status.standardPath.empty() ? env.Null() : Napi::String::New(env, status.standardPath));
  standard.Set("tried", stringArray(env, status.standardTried));
  if (!status.standardError.empty()) standard.Set("error", status.standardError);
  out.Set("standard", standard);
  out.Set("libraries", stringArray(env, status.libraries));
  out.Set("creators", pluginList(env, status.creators));
  return out;
}

Napi::Value loadPluginLibrary(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  auto backend = backendArg(info);
  if (info.Length() < 2 || !info[1].IsString() || info[1].As<Napi::String>().Utf8Value().empty()) {
    throw jsError(env, "INVALID_ARGUMENT", "the plugin library must be given as a non-empty path");
  }
  Failure failure;
  if (!backend->loadPluginLibrary(info[1].As<Napi::String>().Utf8Value(), failure)) throw toJsError(env, failure);
  return env.Undefined();
}

}  // namespace trtn
