// Free functions exported by the addon (besides the classes in wraps.h).
#pragma once

#include <napi.h>

namespace trtn {

Napi::Value buildEngine(Napi::CallbackInfo const& info);
Napi::Value describeOnnx(Napi::CallbackInfo const& info);
Napi::Object simulatorControl(Napi::Env env);
Napi::Value plugins(Napi::CallbackInfo const& info);
Napi::Value loadPluginLibrary(Napi::CallbackInfo const& info);

}  // namespace trtn
