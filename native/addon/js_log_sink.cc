#include "js_log_sink.h"

namespace trtn {

std::shared_ptr<JsLogSink> JsLogSink::create(Napi::Env env, Napi::Value callback) {
  auto sink = std::shared_ptr<JsLogSink>(new JsLogSink());
  if (callback.IsFunction()) {
    auto* gate = new std::shared_ptr<Gate>(sink->mGate);  // the finalizer's own reference
    sink->mTsfn = Tsfn::New(env, callback.As<Napi::Function>(), "tensorrt-node logger", 0, 1, nullptr,
                            [](Napi::Env, std::shared_ptr<Gate>* g, std::nullptr_t*) {
                              {
                                std::lock_guard<std::mutex> lock((*g)->mutex);
                                (*g)->open = false;
                              }
                              delete g;
                            },
                            gate);
    sink->mTsfn.Unref(env);
    sink->mGate->open = true;
  }
  return sink;
}

JsLogSink::~JsLogSink() {
  std::lock_guard<std::mutex> lock(mGate->mutex);
  if (mGate->open) mTsfn.Release();
  mGate->open = false;
}

void JsLogSink::log(int severity, std::string const& message) {
  std::lock_guard<std::mutex> lock(mGate->mutex);
  if (!mGate->open) return;
  auto* m = new Message{severity, message};
  if (mTsfn.NonBlockingCall(m) != napi_ok) delete m;
}

void JsLogSink::callJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, Message* message) {
  std::unique_ptr<Message> owned(message);
  if (env == nullptr || callback.IsEmpty()) return;
  try {
    callback.Call({Napi::Number::New(env, owned->severity), Napi::String::New(env, owned->text)});
  } catch (Napi::Error const& e) {
    // Not swallowed: the callback's exception surfaces as an uncaught exception, like any throwing event handler.
    // (Thrown back from a thread-safe function's call, Node's default policy for this N-API version only prints a
    // DEP0168 warning.)
    if (!e.Value().IsEmpty()) napi_fatal_exception(env, e.Value());
  }
}

}  // namespace trtn
