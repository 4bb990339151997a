// TensorRT's log messages delivered to a JS callback (severity, message). TensorRT logs from any thread, so the
// callback is reached through a thread-safe function that never keeps the process alive. The sink may outlive its
// environment (a runtime released by the reaper thread after a worker exited): once the thread-safe function is
// finalized, messages are dropped instead of reaching a freed function.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <string>

#include "../backend/backend.h"

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
  // Whether the thread-safe function may still be called; its finalizer closes it (on the JS thread).
  struct Gate {
    std::mutex mutex;
    bool open = false;
  };
  static void callJs(Napi::Env env, Napi::Function callback, std::nullptr_t*, Message* message);
  using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, Message, &JsLogSink::callJs>;
  Tsfn mTsfn;
  std::shared_ptr<Gate> mGate = std::make_shared<Gate>();
};

}  // namespace trtn
