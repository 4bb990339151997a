// How finished GPU work reaches JavaScript without blocking the JS thread and without a libuv pool thread per
// request: work is followed on its CUDA stream by cudaStreamAddCallback, whose callback (on a CUDA thread) pushes
// the job onto this per-environment queue and wakes the JS thread through one thread-safe function. The JS thread
// drains everything that finished in one go.
//
// cudaStreamAddCallback rather than cudaLaunchHostFunc: after a sticky device error CUDA never runs host functions,
// which would leave promises pending forever, while stream callbacks still run and receive the error.
//
// The promises are JavaScript's own (lib/settlements.ts): JS makes one per call and passes the addon its ticket, and
// a drain settles the jobs it finished with one call into JS per 64 of them, (ticket, value) pairs as arguments.
// N-API's promises cost a native promise and a resolve call per job, about as much as the rest of a small run's
// JS-thread work.
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

// Something that has JS calls waiting (log messages) which must happen before the promises settled after them.
class PendingJs {
 public:
  virtual ~PendingJs() = default;
  virtual void flush(Napi::Env env) = 0;  // JS thread
};

// The JS promise of one call, by its ticket. Settling it inside a drain adds it to the drain's batch; outside one (a
// call that fails while it submits) it is delivered by the next drain, so JS never re-enters the caller.
class Settlement {
 public:
  Settlement(Napi::Env env, uint32_t ticket) : mEnv(env), mTicket(ticket) {}
  void Resolve(Napi::Value value) const { settle(value, true); }
  void Reject(Napi::Value error) const { settle(error, false); }
  Napi::Env Env() const { return mEnv; }
  uint32_t ticket() const { return mTicket; }

 private:
  void settle(Napi::Value value, bool fulfilled) const;
  Napi::Env mEnv;
  uint32_t mTicket;
};

// The ticket argument of an asynchronous native method (a non-negative integer below 2^31 that lib/settlements.ts
// handed out); throws INVALID_ARGUMENT otherwise.
uint32_t ticketArg(Napi::CallbackInfo const& info, size_t index);

class CompletionJob {
 public:
  CompletionJob(Napi::Env env, uint32_t ticket) : settlement(env, ticket) {}
  virtual ~CompletionJob() = default;
  // On the JS thread. `cudaStatus` is what CUDA passed to the stream callback (0 or a sticky error).
  virtual void settle(Napi::Env env, int cudaStatus) = 0;
  // On a CUDA thread, when the job finished after its environment was torn down (a worker that exited with runs in
  // flight): nothing may touch JS any more, so JS handles are leaked on purpose. The native resources (device and
  // pinned memory, the context) must still be freed, which the reaper thread then does.
  virtual void leakJsHandles() {}

  Settlement settlement;  // the promise the job settles

 private:
  friend class CompletionQueue;
  std::shared_ptr<CompletionQueue> mQueue;  // keeps the queue alive until the callback ran
};

class CompletionQueue : public std::enable_shared_from_this<CompletionQueue> {
 public:
  static std::shared_ptr<CompletionQueue> create(Napi::Env env);
  // JS thread, once after create(): the JS function the next-turn drains are scheduled with.
  void installNextTurn(Napi::Env env);
  // JS thread: the JS function that settles a batch, settleBatch(ticket, value, ~ticket, error, ...) (a rejection's
  // ticket inverted), and the arena small results are copied into (lib/settlements.ts). Until it is installed
  // nothing can be settled: lib/native.ts installs it when it loads the addon.
  void installSettle(Napi::Function settleBatch, Napi::ArrayBuffer arena);
  // JS thread, inside a drain: room for `bytes` of a result in the arena, valid until settleBatch returns (it copies
  // them out), or null when the arena cannot take them. The job settles with the offset instead of an ArrayBuffer:
  // a fresh ArrayBuffer costs about 1.5k instructions, most of a small run's settle.
  uint8_t* arenaSpace(Napi::Env env, size_t bytes, size_t* offset);
  // JS thread: Settlement's way in.
  void settle(uint32_t ticket, Napi::Value value, bool fulfilled);
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

  // JS thread: `pending` is flushed before each batch of settlements, after the jobs are taken, so what another
  // thread queued there before finishing a job reaches JS before the job's promise settles. Held weakly.
  void flushBeforeSettling(std::weak_ptr<PendingJs> pending) { mFlushFirst.push_back(std::move(pending)); }

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
  void settleOne(Napi::Env env, CompletionJob& job, int status);  // JS thread
  void deliver(Napi::Env env);  // JS thread: hands the batch (if any) to JS and starts an empty one
  bool canRunJs(napi_env env);  // JS thread: false once the environment is stopping (then remembered)
  void refreshArena(napi_env env);  // JS thread: mArenaData/mArenaBytes from the arena as it is now
  void flushPendingJs(Napi::Env env);  // JS thread: flushes what flushBeforeSettling registered

  Napi::TypedThreadSafeFunction<CompletionQueue, void, &CompletionQueue::callJs> mTsfn;
  std::mutex mMutex;
  std::vector<std::pair<CompletionJob*, int>> mReady;
  std::vector<std::pair<CompletionJob*, int>> mDraining;  // JS thread only; swapped with mReady to keep capacity
  bool mWakePending = false;  // a TSFN call or a setImmediate drain is on its way
  uint64_t mWakeUps = 0;       // guarded by mMutex
  bool mClosed = false;
  // JS thread only: the environment can no longer run JS (a worker being terminated). Every N-API call that may run
  // JS fails then, and node-addon-api's error for that failure cannot be built either: a fatal error that ends the
  // whole process. So a drain checks first, with raw N-API, and from then on frees jobs without settling them.
  bool mJsStopped = false;
  Napi::FunctionReference mSettleBatch;
  // The drain under way: [code, value] pairs not yet handed to JS. And the settlements made outside a drain.
  bool mDelivering = false;
  // The ticket of the job whose settle() runs now (with mSettlingJob): only its own settlement joins the batch.
  // settle() sets properties on new objects, which runs setters a program defined on Object.prototype or
  // Array.prototype; a run such JS submits and the addon rejects at once belongs to that nested call's handle
  // scope, so it takes the late path.
  bool mSettlingJob = false;
  uint32_t mSettlingTicket = 0;
  std::vector<napi_value> mBatch;
  std::vector<napi_value> mArgs;  // the batch being handed over (kept for its capacity)
  Napi::Reference<Napi::ArrayBuffer> mArena;
  uint8_t* mArenaData = nullptr;
  size_t mArenaBytes = 0;
  size_t mArenaUsed = 0;  // by the batch not yet delivered
  std::vector<Napi::Reference<Napi::Value>> mLate;  // each a [code, value] array
  std::vector<std::weak_ptr<PendingJs>> mFlushFirst;  // JS thread only
  Napi::FunctionReference mSetImmediate;
  Napi::FunctionReference mDrainNextTurn;
  size_t mPending = 0;  // JS thread only: jobs submitted and not settled; the TSFN holds the loop while > 0
  uint64_t mSettled = 0;  // JS thread only
  double mPollMicros = 0;  // JS thread only
  std::chrono::steady_clock::time_point mPollUntil{};  // JS thread only: polling ends here unless renewed
  Napi::Env mEnv;
};

}  // namespace trtn
