// How finished GPU work reaches JavaScript without blocking the JS thread and without a libuv pool thread per
// request: work is followed on its CUDA stream by cudaStreamAddCallback, whose callback (on a CUDA thread) pushes
// the job onto this per-environment queue and wakes the JS thread through one thread-safe function. The JS thread
// drains everything that finished in one go.
//
// cudaStreamAddCallback rather than cudaLaunchHostFunc: after a sticky device error CUDA never runs host functions,
// which would leave promises pending forever, while stream callbacks still run and receive the error.
//
// Waking a sleeping JS thread costs 20-50 us on a VM, more than a small engine's GPU time. With completion polling
// (off by default, setPollMicros) the queue is instead drained on every loop turn, through setImmediate, for up to
// that long after each submission: the loop keeps turning (timers and I/O still run) without sleeping in epoll, and
// a completion arriving meanwhile needs no wake-up. Like cudaDeviceScheduleSpin, it trades CPU for latency.
#pragma once

#include <napi.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "../backend/cuda_api.h"

namespace trtn {

class CompletionQueue;

class CompletionJob {
 public:
  explicit CompletionJob(Napi::Env env) : deferred(env) {}
  virtual ~CompletionJob() = default;
  // On the JS thread. `cudaStatus` is what CUDA passed to the stream callback (0 or a sticky error).
  virtual void settle(Napi::Env env, int cudaStatus) = 0;
  // On a CUDA thread, when the job finished after its environment was torn down (a worker that exited with runs in
  // flight): nothing may touch JS any more, so JS handles are leaked on purpose. The native resources (device and
  // pinned memory, the context) must still be freed, which the reaper thread then does.
  virtual void leakJsHandles() {}

  Napi::Promise::Deferred deferred;  // the promise the job settles

 private:
  friend class CompletionQueue;
  std::shared_ptr<CompletionQueue> mQueue;  // keeps the queue alive until the callback ran
};

class CompletionQueue : public std::enable_shared_from_this<CompletionQueue> {
 public:
  static std::shared_ptr<CompletionQueue> create(Napi::Env env);
  // JS thread, once after create(): the JS function the next-turn drains are scheduled with.
  void installNextTurn(Napi::Env env);
  ~CompletionQueue();

  // JS thread: queues the job's callback after the work already on `stream` and takes the job. Returns the CUDA
  // error when the callback could not be queued; the job then stays with the caller, who settles it.
  int submit(CudaApi const& cuda, cuda::Stream stream, std::unique_ptr<CompletionJob>& job);

  // For jobs whose GPU work another thread queues (dynamic_run.h). JS thread: counts the job as in flight and takes
  // it; the other thread then hands it back through followStream or finish.
  CompletionJob* expect(std::unique_ptr<CompletionJob>& job);
  // Any thread, for an expected job: settles it after the work already on `stream`. Returns the CUDA error when the
  // callback could not be queued (the caller then calls finish).
  static int followStream(CudaApi const& cuda, cuda::Stream stream, CompletionJob* job);
  // Any thread, for an expected job: settles it now with `status`.
  static void finish(CompletionJob* job, int status);

  // JS thread, at environment teardown: later callbacks are dropped.
  void close();

  size_t pending() const { return mPending; }

  // JS thread: how long after a submission to poll for completions instead of sleeping (0: never). Returns the
  // previous value.
  double setPollMicros(double micros);

  struct Stats {
    uint64_t wakeUps = 0;  // thread-safe function calls made to wake the JS thread
    uint64_t settled = 0;  // jobs settled
  };
  Stats stats();

 private:
  using Tsfn = Napi::TypedThreadSafeFunction<CompletionQueue, void, nullptr>;
  static void callJs(Napi::Env env, Napi::Function, CompletionQueue* queue, void*);
  static void streamCallback(cuda::Stream stream, int status, void* userData);
  explicit CompletionQueue(Napi::Env env);
  void push(CompletionJob* job, int status);  // any thread
  void startPolling();  // JS thread
  void scheduleNextTurn();  // JS thread
  void drain(Napi::Env env, bool fromWakeUp);  // JS thread: settles what is ready, then schedules the next drain
  size_t settleReady(Napi::Env env);            // JS thread: returns how many jobs it settled
  static void settleOne(Napi::Env env, CompletionJob& job, int status);  // JS thread

  Napi::TypedThreadSafeFunction<CompletionQueue, void, &CompletionQueue::callJs> mTsfn;
  std::mutex mMutex;
  std::vector<std::pair<CompletionJob*, int>> mReady;
  std::vector<std::pair<CompletionJob*, int>> mDraining;  // JS thread only; swapped with mReady to keep capacity
  bool mWakePending = false;  // a TSFN call or a setImmediate drain is on its way
  uint64_t mWakeUps = 0;       // guarded by mMutex
  bool mClosed = false;
  Napi::FunctionReference mSetImmediate;
  Napi::FunctionReference mDrainNextTurn;
  size_t mPending = 0;  // JS thread only: jobs submitted and not settled; the TSFN holds the loop while > 0
  uint64_t mSettled = 0;  // JS thread only
  double mPollMicros = 0;  // JS thread only
  std::chrono::steady_clock::time_point mPollUntil{};  // JS thread only: polling ends here unless renewed
  Napi::Env mEnv;
};

}  // namespace trtn
