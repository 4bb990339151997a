// The JS classes of the addon. Each wraps a shared native state; dispose() drops the wrapper's share (a disposed
// object throws DISPOSED), and the garbage collector's finalizer does the same if dispose() was never called.
#pragma once

#include <napi.h>

#include <memory>

#include "states.h"

namespace trtn {

// Hands a native state to a class constructor through an External (constructors called from JS reject it).
template <typename State>
Napi::Object newWrapped(Napi::FunctionReference& cls, Napi::Env env, std::shared_ptr<State> state) {
  auto* holder = new std::shared_ptr<State>(std::move(state));
  auto external = Napi::External<std::shared_ptr<State>>::New(
      env, holder, [](Napi::Env, std::shared_ptr<State>* h) { delete h; });
  return cls.New({external});
}

template <typename State>
std::shared_ptr<State> takeWrapped(Napi::CallbackInfo const& info, char const* className, char const* factory) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), std::string(className) + " cannot be constructed directly; use " + factory);
  }
  // Moved out: the External lives until the next GC, and must not keep the state alive after dispose().
  return std::move(*info[0].As<Napi::External<std::shared_ptr<State>>>().Data());
}

class RuntimeWrap : public Napi::ObjectWrap<RuntimeWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit RuntimeWrap(Napi::CallbackInfo const& info);
  std::shared_ptr<RuntimeState> const& state(Napi::Env env) const;

 private:
  Napi::Value info(Napi::CallbackInfo const& info);
  Napi::Value device(Napi::CallbackInfo const& info);
  Napi::Value deserialize(Napi::CallbackInfo const& info);
  Napi::Value createDeviceBuffer(Napi::CallbackInfo const& info);
  Napi::Value synchronize(Napi::CallbackInfo const& info);
  void dispose(Napi::CallbackInfo const& info);
  Napi::Value disposed(Napi::CallbackInfo const& info);
  std::shared_ptr<RuntimeState> mState;
};

class EngineWrap : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit EngineWrap(Napi::CallbackInfo const& info);

 private:
  Napi::Value info(Napi::CallbackInfo const& info);
  Napi::Value createContext(Napi::CallbackInfo const& info);
  Napi::Value serialize(Napi::CallbackInfo const& info);
  void dispose(Napi::CallbackInfo const& info);
  Napi::Value disposed(Napi::CallbackInfo const& info);
  std::shared_ptr<EngineState> const& state(Napi::Env env) const;
  std::shared_ptr<EngineState> mState;
};

class DeviceBufferWrap : public Napi::ObjectWrap<DeviceBufferWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit DeviceBufferWrap(Napi::CallbackInfo const& info);
  // The state of a DeviceBuffer object, or nullptr when `value` is not one; throws DISPOSED when disposed.
  static std::shared_ptr<DeviceBufferState> from(Napi::Env env, Napi::Value value);

 private:
  Napi::Value byteLength(Napi::CallbackInfo const& info);
  void write(Napi::CallbackInfo const& info);
  void read(Napi::CallbackInfo const& info);
  void copyTo(Napi::CallbackInfo const& info);
  void dispose(Napi::CallbackInfo const& info);
  Napi::Value disposed(Napi::CallbackInfo const& info);
  std::shared_ptr<DeviceBufferState> const& state(Napi::Env env) const;
  std::shared_ptr<DeviceBufferState> mState;
};

class ContextWrap : public Napi::ObjectWrap<ContextWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit ContextWrap(Napi::CallbackInfo const& info);

 private:
  void run(Napi::CallbackInfo const& info);
  void ping(Napi::CallbackInfo const& info);
  void setProfile(Napi::CallbackInfo const& info);
  void useCudaGraphs(Napi::CallbackInfo const& info);
  Napi::Value inFlight(Napi::CallbackInfo const& info);
  void dispose(Napi::CallbackInfo const& info);
  Napi::Value disposed(Napi::CallbackInfo const& info);
  std::shared_ptr<ContextState> const& state(Napi::Env env) const;
  std::shared_ptr<ContextState> mState;
};

}  // namespace trtn
