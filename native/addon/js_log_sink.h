// TensorRT's log messages delivered to a JS callback (severity, message). TensorRT logs from any thread, so messages
// wait in the sink until the JS thread takes them: when a thread-safe function (which never keeps the process
// alive) wakes it, and before the environment's completion queue settles any promise, so a message logged during a
// call reaches the logger before that call's promise settles. The sink may outlive its environment (a runtime
// released by the reaper thread after a worker exited): once the thread-safe function is finalized, messages are
// dropped instead of reaching a freed function.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../backend/backend.h"
#include "completion.h"

namespace trtn {

class JsLogSink : public LogSink {
 public:
  // `callback` may be undefined: messages are then dropped (errors still reach the caller through the recorder).
  static std::shared_ptr<JsLogSink> create(Napi::Env env, Napi::Value callback);
  ~JsLogSink() override;
  void log(int severity, std::string const& message) override;

 private:
  struct Message {
    int severity;
    std::string text;
  };
  // Shared by the sink, its thread-safe function (whose finalizer ends it) and the completion queue (which flushes
  // it before settling).
  struct State : PendingJs {
    std::mutex mutex;
    bool accepting = false;      // log() may queue (until the sink goes)
    bool wakePending = false;    // a thread-safe function call is on its way
    std::vector<Message> pending;
    Napi::FunctionReference* callback = nullptr;  // JS thread only; null once the thread-safe function is finalized
    void flush(Napi::Env env) override;  // JS thread: hands the pending messages to the callback
    static void wakeUp(Napi::Env env, Napi::Function, State* state, std::nullptr_t*);
    Napi::TypedThreadSafeFunction<State, std::nullptr_t, &State::wakeUp> tsfn;  // the wake-up; its finalizer ends this
  };
  std::shared_ptr<State> mState = std::make_shared<State>();
};

}  // namespace trtn
