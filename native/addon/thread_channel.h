// Work on a thread of the addon's own (a build, an ONNX parse: seconds to minutes, so not on libuv's 4-thread pool,
// which also serves the process's fs, dns and crypto, and whose work a worker's teardown waits for) reports to JS
// through a ThreadChannel: events in order, then the settlement, all through one thread-safe function.
//
// Node destroys a thread-safe function with its environment, whatever threads still hold it, so a call after that
// touches freed memory (a worker terminated mid-build aborted the process). The channel's cleanup hook closes it
// first: cleanup hooks run in reverse order of registration, and the hook is registered after the function is made.
// The hook also sets `cancelled`, so the work can stop early.
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace trtn {

struct ChannelEvent {
  std::string kind;  // "start", "step", "finish" (progress of a build)
  std::string phase;
  std::string parent;
  int32_t value = 0;  // steps for "start", the step for "step"
  // Instead of an event: the settlement, queued behind the events.
  std::function<void(Napi::Env)> settle;
};

void deliverChannelEvent(Napi::Env env, Napi::Function callback, std::nullptr_t*, ChannelEvent* event);

class ThreadChannel {
 public:
  // On the JS thread. `callback` (may be empty) receives the progress events.
  static std::shared_ptr<ThreadChannel> open(Napi::Env env, Napi::Function callback, char const* name);

  // From any thread: false once the environment is closing (the event is dropped).
  bool queue(ChannelEvent event);
  // From the work's thread, last: queues `settle` behind the events and lets the channel go. `settle` runs on the JS
  // thread, and only while the environment lives.
  void settle(std::function<void(Napi::Env)> settle);
  // On the JS thread, when the work could not start: lets the channel go without settling.
  void abandon(Napi::Env env);

  std::atomic<bool> cancelled{false};

 private:
  using Tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, ChannelEvent, &deliverChannelEvent>;
  static void closeAtTeardown(void* holder);
  void release();

  std::mutex mMutex;
  bool mClosed = false;  // under mMutex
  Tsfn mTsfn;
  // The cleanup hook's argument, owned by the hook until the settlement removes it (both on the JS thread).
  std::shared_ptr<ThreadChannel>* mHook = nullptr;
};

// Runs `work` on a new detached thread; throws a JS error (nothing escapes into N-API) when none can be had.
void startThread(Napi::Env env, std::function<void()> work, char const* what);

}  // namespace trtn
