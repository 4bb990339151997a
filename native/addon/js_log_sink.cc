#include "js_log_sink.h"

#include "addon_data.h"

namespace trtn {

std::shared_ptr<JsLogSink> JsLogSink::create(Napi::Env env, Napi::Value callback) {
  auto sink = std::shared_ptr<JsLogSink>(new JsLogSink());
  if (!callback.IsFunction()) return sink;
  State& state = *sink->mState;
  state.callback = new Napi::FunctionReference(Napi::Persistent(callback.As<Napi::Function>()));
  auto* finalizerRef = new std::shared_ptr<State>(sink->mState);  // the finalizer's own: the context lives as long
  // The wake-up has no JS function of its own (flush calls the callback) and no data per call.
  state.tsfn = decltype(state.tsfn)::New(
      env, "tensorrt-node logger", 0, 1, &state,
      [](Napi::Env, std::shared_ptr<State>* owned, State*) {
        std::shared_ptr<State> s = std::move(*owned);
        delete owned;
        std::lock_guard<std::mutex> lock(s->mutex);
        s->accepting = false;
        s->pending.clear();
        delete s->callback;  // on the JS thread, as a reference must be
        s->callback = nullptr;
      },
      finalizerRef);
  state.tsfn.Unref(env);
  state.accepting = true;
  addonData(env).completion->flushBeforeSettling(sink->mState);
  return sink;
}

JsLogSink::~JsLogSink() {
  std::lock_guard<std::mutex> lock(mState->mutex);
  // Messages already pending are still delivered by the wake-up on its way; the finalizer follows it.
  if (mState->accepting) mState->tsfn.Release();
  mState->accepting = false;
}

void JsLogSink::log(int severity, std::string const& message) {
  std::lock_guard<std::mutex> lock(mState->mutex);
  if (!mState->accepting) return;
  mState->pending.push_back(Message{severity, message});
  if (mState->wakePending) return;
  napi_status status = mState->tsfn.NonBlockingCall(nullptr);
  mState->wakePending = status == napi_ok;
  if (status != napi_ok) mState->pending.pop_back();  // the environment is going away
}

void JsLogSink::State::wakeUp(Napi::Env env, Napi::Function, State* state, std::nullptr_t*) {
  if (env != nullptr && state != nullptr) state->flush(env);
}

void JsLogSink::State::flush(Napi::Env env) {
  std::vector<Message> batch;
  Napi::FunctionReference* function = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex);
    wakePending = false;
    if (!callback || pending.empty()) return;
    batch.swap(pending);
    function = callback;
  }
  Napi::HandleScope scope(env);
  for (Message const& m : batch) {
    try {
      function->Call({Napi::Number::New(env, m.severity), Napi::String::New(env, m.text)});
    } catch (Napi::Error const& e) {
      // Not swallowed: the callback's exception surfaces as an uncaught exception, like any throwing event handler.
      if (!e.Value().IsEmpty()) napi_fatal_exception(env, e.Value());
    }
  }
}

}  // namespace trtn
