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

// Each class's objects carry an N-API type tag. Methods are safe (V8 checks their receiver), but a getter reached
// through another object (a swapped prototype, Reflect.get with a receiver) and an argument that only passes
// instanceof would have that object's memory read as this class's. Tags are checked before either is trusted.
inline constexpr napi_type_tag kRuntimeTag{0x7e1d0c3a5b9f4e21ull, 0x9a4c2f1e6d3b8a70ull};
inline constexpr napi_type_tag kEngineTag{0x2b8e5f1a9c4d7e03ull, 0x61f3a9d2c8e4b517ull};
inline constexpr napi_type_tag kContextTag{0xd4a7c1e93f5b2806ull, 0x3c9e8b1f7a2d6e45ull};
inline constexpr napi_type_tag kDeviceBufferTag{0x58f2e9b4a1c7d36eull, 0xae1b7d4c9f3e2a81ull};

void tagObject(Napi::Env env, Napi::Value object, napi_type_tag const& tag);
bool hasTag(Napi::Env env, Napi::Value value, napi_type_tag const& tag);
// A getter's receiver: this class's object, else TypeError "Illegal invocation" as V8 says for methods.
void requireReceiver(Napi::CallbackInfo const& info, napi_type_tag const& tag);

// Each class's state(env) returns a copy of its share, not a reference to it: a call that runs user code midway (a
// getter on an argument, Symbol.hasInstance) may dispose() the object, which drops the wrapper's share.

class RuntimeWrap : public Napi::ObjectWrap<RuntimeWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit RuntimeWrap(Napi::CallbackInfo const& info);
  std::shared_ptr<RuntimeState> state(Napi::Env env) const;

 private:
  Napi::Value info(Napi::CallbackInfo const& info);
  Napi::Value device(Napi::CallbackInfo const& info);
  void deserialize(Napi::CallbackInfo const& info);
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
  void createContextAsync(Napi::CallbackInfo const& info);
  Napi::Value serialize(Napi::CallbackInfo const& info);
  void dispose(Napi::CallbackInfo const& info);
  Napi::Value disposed(Napi::CallbackInfo const& info);
  std::shared_ptr<EngineState> state(Napi::Env env) const;
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
  std::shared_ptr<DeviceBufferState> state(Napi::Env env) const;
  std::shared_ptr<DeviceBufferState> mState;
};

// ping() of `ctx` (a DISPOSED error when it is null): context_wrap.cc.
void submitPing(Napi::CallbackInfo const& info, std::shared_ptr<ContextState> const& ctx);

class ContextWrap : public Napi::ObjectWrap<ContextWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit ContextWrap(Napi::CallbackInfo const& info);

 private:
  void run(Napi::CallbackInfo const& info);
  void ping(Napi::CallbackInfo const& info);
  Napi::Value dimsBuffer(Napi::CallbackInfo const& info);
  void setProfile(Napi::CallbackInfo const& info);
  void useCudaGraphs(Napi::CallbackInfo const& info);
  void enqueueOnLauncher(Napi::CallbackInfo const& info);
  Napi::Value enqueueOn(Napi::CallbackInfo const& info);
  Napi::Value enqueueTime(Napi::CallbackInfo const& info);
  Napi::Value boundRun(Napi::CallbackInfo const& info);
  Napi::Value boundPing(Napi::CallbackInfo const& info);
  template <void (*submit)(Napi::CallbackInfo const&, std::shared_ptr<ContextState> const&)>
  Napi::Value bound(Napi::CallbackInfo const& info, char const* name);
  Napi::Value inFlight(Napi::CallbackInfo const& info);
  void dispose(Napi::CallbackInfo const& info);
  Napi::Value disposed(Napi::CallbackInfo const& info);
  std::shared_ptr<ContextState> state(Napi::Env env) const;
  std::shared_ptr<ContextState> mState;
  // What boundRun()'s function runs: this context's state until dispose() (null after). Shared with that function,
  // which may outlive this wrapper by a garbage collection or the other way round.
  std::shared_ptr<std::shared_ptr<ContextState>> mBoundState;
};

}  // namespace trtn
