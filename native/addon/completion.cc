#include "completion.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

#include "addon_data.h"
#include "errors.h"
#include "reaper.h"

namespace trtn {

void Settlement::settle(Napi::Value value, bool fulfilled) const {
  addonData(mEnv).completion->settle(mTicket, value, fulfilled);
}

uint32_t ticketArg(Napi::CallbackInfo const& info, size_t index) {
  double v = info.Length() > index && info[index].IsNumber() ? info[index].As<Napi::Number>().DoubleValue() : -1;
  if (!(v >= 0 && v < 2147483648.0) || v != std::floor(v)) {
    throw jsError(info.Env(), "INVALID_ARGUMENT",
                  "argument " + std::to_string(index) + " must be a settlement ticket (lib/settlements.ts)");
  }
  return static_cast<uint32_t>(v);
}

std::shared_ptr<CompletionQueue> CompletionQueue::create(Napi::Env env) {
  return std::shared_ptr<CompletionQueue>(new CompletionQueue(env));
}

CompletionQueue::CompletionQueue(Napi::Env env) : mEnv(env) {
  mTsfn = decltype(mTsfn)::New(env, "tensorrt-node completion", 0, 1, this);
  mTsfn.Unref(env);  // an idle addon must not keep the process alive
}

CompletionQueue::~CompletionQueue() = default;

int CompletionQueue::submit(CudaApi const& cuda, cuda::Stream stream, std::unique_ptr<CompletionJob>& job) {
  job->mQueue = shared_from_this();
  // Counted before the callback can possibly run (it may run on another thread before this returns), and for the
  // same reason polling starts first: a completion must find the drain already scheduled.
  if (mPending++ == 0) mTsfn.Ref(mEnv);
  if (mPollMicros > 0) startPolling();
  int rc = cuda.cudaStreamAddCallback(stream, &CompletionQueue::streamCallback, job.get(), 0);
  if (rc != 0) {
    job->mQueue.reset();
    if (--mPending == 0) mTsfn.Unref(mEnv);
    return rc;
  }
  job.release();
  return 0;
}

CompletionJob* CompletionQueue::expect(std::unique_ptr<CompletionJob>& job) {
  job->mQueue = shared_from_this();
  if (mPending++ == 0) mTsfn.Ref(mEnv);
  if (mPollMicros > 0) startPolling();
  return job.release();
}

int CompletionQueue::followStream(CudaApi const& cuda, cuda::Stream stream, CompletionJob* job) {
  return cuda.cudaStreamAddCallback(stream, &CompletionQueue::streamCallback, job, 0);
}

// No copy of job->mQueue here: its reference count is touched on the JS thread only (submit, settle), so a run does
// not move that cache line between threads twice. push() keeps the queue alive instead (see there).
void CompletionQueue::finish(CompletionJob* job, int status) { job->mQueue->push(job, status); }

double CompletionQueue::setPollMicros(double micros) {
  double before = mPollMicros;
  mPollMicros = micros > 0 ? std::min(micros, 60e6) : 0;  // at most 60 s (the TS layer refuses more): no overflow
  return before;
}

CompletionQueue::Stats CompletionQueue::stats() {
  std::lock_guard<std::mutex> lock(mMutex);
  return Stats{mWakeUps, mSettled};
}

// Keeps a next-turn drain going until the poll time after this submission has passed. While one is scheduled,
// mWakePending stops completions from waking the thread-safe function.
void CompletionQueue::startPolling() {
  mPollUntil = std::chrono::steady_clock::now() + std::chrono::nanoseconds(static_cast<int64_t>(mPollMicros * 1000));
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lock(mMutex);
    if (!mWakePending && !mClosed) schedule = mWakePending = true;
  }
  if (schedule) scheduleNextTurn();
}

void CompletionQueue::streamCallback(cuda::Stream, int status, void* userData) {
  finish(static_cast<CompletionJob*>(userData), status);
}

void CompletionQueue::installNextTurn(Napi::Env env) {
  mSetImmediate = Napi::Persistent(env.Global().Get("setImmediate").As<Napi::Function>());
  std::weak_ptr<CompletionQueue> weak = shared_from_this();
  mDrainNextTurn = Napi::Persistent(Napi::Function::New(
      env,
      [weak](Napi::CallbackInfo const& info) {
        if (auto queue = weak.lock()) queue->drain(info.Env(), /*fromWakeUp=*/false);
      },
      "drainCompletions"));
}

void CompletionQueue::installSettle(Napi::Function settleBatch, Napi::ArrayBuffer arena) {
  mSettleBatch = Napi::Persistent(settleBatch);
  mArena = Napi::Persistent(arena);
  mArenaUsed = 0;
  refreshArena(mEnv);
}

// The arena is JS's: it may have been detached (transferred) whenever JS ran, and its memory freed, including JS
// that a job's settle() ran through a setter. So it is looked up again before each result is placed in it, and after
// each delivery; a detached arena is no arena (results go as ArrayBuffers).
void CompletionQueue::refreshArena(napi_env env) {
  mArenaData = nullptr;
  mArenaBytes = 0;
  if (mArena.IsEmpty()) return;
  napi_value arena = nullptr;
  bool detached = true;
  void* data = nullptr;
  size_t bytes = 0;
  if (napi_get_reference_value(env, mArena, &arena) == napi_ok && arena != nullptr &&
      napi_is_detached_arraybuffer(env, arena, &detached) == napi_ok && !detached &&
      napi_get_arraybuffer_info(env, arena, &data, &bytes) == napi_ok) {
    mArenaData = static_cast<uint8_t*>(data);
    mArenaBytes = data ? bytes : 0;
  }
}

uint8_t* CompletionQueue::arenaSpace(Napi::Env env, size_t bytes, size_t* offset) {
  constexpr size_t kAlign = 8;  // any typed array can view it
  size_t size = (bytes + kAlign - 1) / kAlign * kAlign;
  if (!mDelivering) return nullptr;
  refreshArena(env);  // settle() may have run JS (a setter on Array.prototype) that detached it
  if (mArenaData == nullptr || size > mArenaBytes) return nullptr;
  if (mArenaUsed + size > mArenaBytes) {
    deliver(env);  // JS copies the earlier results out; the arena is free again
    if (mArenaData == nullptr || size > mArenaBytes) return nullptr;  // that JS may have given a smaller one
  }
  *offset = mArenaUsed;
  mArenaUsed += size;
  return mArenaData + *offset;
}

void CompletionQueue::settle(uint32_t ticket, Napi::Value value, bool fulfilled) {
  Napi::Number code = Napi::Number::New(mEnv, fulfilled ? static_cast<double>(ticket) : -1.0 - static_cast<double>(ticket));
  // Outside a drain, or not the settlement of the job being settled: the next drain delivers it.
  if (!mDelivering || !mSettlingJob || ticket != mSettlingTicket) {
    Napi::Array pair = Napi::Array::New(mEnv, 2);
    pair.Set(uint32_t{0}, code);
    pair.Set(uint32_t{1}, value);
    mLate.push_back(Napi::Persistent(Napi::Value(pair)));
    bool schedule = false;
    {
      std::lock_guard<std::mutex> lock(mMutex);
      if (!mWakePending && !mClosed) schedule = mWakePending = true;
    }
    if (schedule) scheduleNextTurn();
    return;
  }
  mBatch.push_back(code);
  mBatch.push_back(value);
}

// Once the job is in mReady the JS thread may settle it and drop its reference to the queue, and close() may then
// drop the environment's: the queue must not be touched after the lock is released. So the wake-up is sent under the
// lock (close() takes it too), and a job arriving after close() hands its reference to `lastReference`, which goes
// only after the lock (it may be the last one).
void CompletionQueue::push(CompletionJob* job, int status) {
  std::shared_ptr<CompletionQueue> lastReference;  // declared before the lock: released after it
  std::lock_guard<std::mutex> lock(mMutex);
  if (mClosed) {  // the environment is gone: free the job's native side off this CUDA thread, leak its JS side
    job->leakJsHandles();
    lastReference = std::move(job->mQueue);  // close() already dropped the queue's own JS references
    Reaper::post([job] { delete job; });
    return;
  }
  mReady.emplace_back(job, status);
  if (mWakePending) return;
  mWakePending = true;
  ++mWakeUps;
  mTsfn.NonBlockingCall();  // only queues the call and signals the loop: cheap, and never calls back into this
}

void CompletionQueue::callJs(Napi::Env env, Napi::Function, CompletionQueue* queue, void*) {
  if (env == nullptr || queue == nullptr) return;  // the function is being torn down
  queue->drain(env, /*fromWakeUp=*/true);
}

void CompletionQueue::drain(Napi::Env env, bool fromWakeUp) {
  size_t settled = settleReady(env);
  // After a wake-up, one more drain follows on the next loop turn: runs settled here usually submit new work whose
  // completions arrive while Node is still dispatching, and a new wake-up then would be served in the same
  // dispatch loop. Only a next-turn drain that finds nothing hands back to the thread-safe function. While polling,
  // drains go on every turn as long as work is in flight and the poll time has not run out.
  bool polling = mPollMicros > 0 && mPending > 0 && std::chrono::steady_clock::now() < mPollUntil;
  bool again;
  {
    std::lock_guard<std::mutex> lock(mMutex);
    again = !mClosed && (fromWakeUp || polling || !mReady.empty() || !mLate.empty());
    mWakePending = again;
  }
  // A polling turn that found nothing yields the CPU: the thread that will deliver the completion (a CUDA callback
  // thread, or the simulator's stream worker) may have been woken onto this CPU and would otherwise wait until the
  // poll ends. Measured here: without the yield, a 500 us kernel started up to the whole poll time late.
  if (polling && settled == 0) std::this_thread::yield();
  if (again) scheduleNextTurn();
}

// setImmediate(drainNextTurn). It fails only when the environment is stopping (a worker's process.exit); then no
// drain is pending any more and a later completion goes to the thread-safe function, which close() has released.
void CompletionQueue::scheduleNextTurn() {
  napi_value setImmediate = nullptr, drainNextTurn = nullptr, global = nullptr, ignored = nullptr;
  bool scheduled = !mJsStopped && napi_get_reference_value(mEnv, mSetImmediate, &setImmediate) == napi_ok &&
                   napi_get_reference_value(mEnv, mDrainNextTurn, &drainNextTurn) == napi_ok &&
                   napi_get_global(mEnv, &global) == napi_ok &&
                   napi_call_function(mEnv, global, setImmediate, 1, &drainNextTurn, &ignored) == napi_ok;
  if (!scheduled) {
    std::lock_guard<std::mutex> lock(mMutex);
    mWakePending = false;
  }
}

// Raw N-API throughout (see mJsStopped). napi_has_element runs no JS but refuses, like every call that may, once the
// environment cannot run JS; one call per drain.
bool CompletionQueue::canRunJs(napi_env env) {
  if (mJsStopped) return false;
  napi_value probe = nullptr;
  bool has = false;
  if (napi_create_object(env, &probe) != napi_ok || napi_has_element(env, probe, 0, &has) != napi_ok) {
    bool pending = false;
    napi_value ignored = nullptr;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &ignored);
    mJsStopped = true;
  }
  return !mJsStopped;
}

size_t CompletionQueue::settleReady(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lock(mMutex);
    mDraining.swap(mReady);
  }
  if (mDraining.empty() && mLate.empty()) return 0;
  if (!canRunJs(env)) {  // as in close(): the environment still exists, and their promises go with it
    for (auto& [job, status] : mDraining) {
      std::unique_ptr<CompletionJob> owned(job);
      owned->mQueue.reset();
      if (--mPending == 0) mTsfn.Unref(env);
    }
    size_t dropped = mDraining.size();
    mDraining.clear();
    mLate.clear();
    return dropped;
  }
  flushPendingJs(env);
  mDelivering = true;
  // The settled values go to JS as the arguments of one call per group of jobs: no JS array to fill element by
  // element (napi_set_element costs about 1k instructions). One handle scope per group too (opening one allocates).
  constexpr size_t kSettlesPerCall = 64;
  std::optional<Napi::HandleScope> scope;
  scope.emplace(env);
  for (auto& pair : mLate) {
    Napi::Array settled = pair.Value().As<Napi::Array>();
    mBatch.push_back(settled.Get(uint32_t{0}));
    mBatch.push_back(settled.Get(uint32_t{1}));
  }
  mLate.clear();
  size_t count = 0;
  for (auto& [job, status] : mDraining) {
    if (count++ % kSettlesPerCall == 0 && !mBatch.empty()) {
      deliver(env);
      scope.reset();
      scope.emplace(env);
    }
    std::unique_ptr<CompletionJob> owned(job);
    owned->mQueue.reset();
    settleOne(env, *owned, status);
    ++mSettled;
    if (--mPending == 0) mTsfn.Unref(env);
  }
  mDraining.clear();
  deliver(env);
  mDelivering = false;
  return count;
}

// A settleBatch that throws is a defect in lib/settlements.ts (it settles each item on its own): it is reported as an
// uncaught exception rather than lost, and must not escape into the thread-safe function's dispatch.
// While JS runs, a settlement (a run that settleBatch's continuation submits and that fails at once) belongs to that
// nested call's handle scope: it takes the late path, and the drain goes on until it is delivered.
void CompletionQueue::deliver(Napi::Env env) {
  if (mBatch.empty()) return;
  mArgs.swap(mBatch);
  mBatch.clear();
  if (!mSettleBatch.IsEmpty() && !mJsStopped) {
    mDelivering = false;
    // Raw N-API (see mJsStopped): a call that fails with no exception pending means JS cannot run here any more.
    napi_value settleBatch = nullptr, undefined = nullptr, ignored = nullptr;
    napi_status status = napi_get_reference_value(env, mSettleBatch, &settleBatch);
    if (status == napi_ok) status = napi_get_undefined(env, &undefined);
    if (status == napi_ok) status = napi_call_function(env, undefined, settleBatch, mArgs.size(), mArgs.data(), &ignored);
    if (status != napi_ok) {
      // Whatever settleBatch threw (any value, not only an Error) is reported as an uncaught exception, not lost;
      // unless JS cannot run here any more (a worker being terminated), which the probe tells.
      bool pending = false;
      napi_value exception = nullptr;
      if (napi_is_exception_pending(env, &pending) != napi_ok || !pending ||
          napi_get_and_clear_last_exception(env, &exception) != napi_ok) {
        exception = nullptr;
      }
      if (canRunJs(env) && exception != nullptr) napi_fatal_exception(env, exception);
    }
    mDelivering = true;
  }
  mArgs.clear();
  mArenaUsed = 0;
  refreshArena(env);  // JS ran: it may have detached the arena
}

// A settle that throws (an allocation failing, or JS no longer allowed because the environment is stopping) must not
// escape into the thread-safe function's dispatch, which would abort the process: the error rejects the promise
// instead, and when even that is impossible there is no JS left to tell.
void CompletionQueue::settleOne(Napi::Env env, CompletionJob& job, int status) {
  mSettlingJob = true;
  mSettlingTicket = job.settlement.ticket();
  try {
    job.settle(env, status);
  } catch (Napi::Error const& e) {
    try {
      if (!e.Value().IsEmpty()) job.settlement.Reject(e.Value());
    } catch (Napi::Error const&) {
      // The environment is stopping (a worker's process.exit): nothing can receive the error.
    }
  }
  mSettlingJob = false;
}

// A copy is walked: a flush runs JS, which may add to the list (a logger that creates a runtime with a logger).
void CompletionQueue::flushPendingJs(Napi::Env env) {
  if (mFlushFirst.empty()) return;
  std::vector<std::weak_ptr<PendingJs>> current = mFlushFirst;
  for (auto const& weak : current) {
    if (auto pending = weak.lock()) pending->flush(env);
  }
  mFlushFirst.erase(std::remove_if(mFlushFirst.begin(), mFlushFirst.end(), [](auto const& w) { return w.expired(); }),
                    mFlushFirst.end());
}

void CompletionQueue::close() {
  std::vector<std::pair<CompletionJob*, int>> unsettled;
  {
    std::lock_guard<std::mutex> lock(mMutex);
    mClosed = true;
    unsettled.swap(mReady);
  }
  // Finished but never settled: the environment is still alive here, so they are simply deleted (their promises
  // go with the environment).
  for (auto& [job, status] : unsettled) delete job;
  // Whoever holds the queue last may be another thread after the environment is gone: drop its JS references now.
  mSetImmediate.Reset();
  mDrainNextTurn.Reset();
  mSettleBatch.Reset();
  mArena.Reset();
  mArenaData = nullptr;
  mLate.clear();
  mTsfn.Release();
}

}  // namespace trtn
