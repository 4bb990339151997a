#include "completion.h"

#include <optional>
#include <thread>

#include "reaper.h"

namespace trtn {

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
  mPollMicros = micros > 0 ? micros : 0;
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
    again = !mClosed && (fromWakeUp || polling || !mReady.empty());
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
  try {
    mSetImmediate.Call({mDrainNextTurn.Value()});
  } catch (Napi::Error const&) {
    std::lock_guard<std::mutex> lock(mMutex);
    mWakePending = false;
  }
}

size_t CompletionQueue::settleReady(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lock(mMutex);
    mDraining.swap(mReady);
  }
  // One handle scope per batch of settles rather than per job (opening one allocates); bounded so a long batch
  // does not hold every result's handles at once.
  constexpr size_t kSettlesPerScope = 64;
  std::optional<Napi::HandleScope> scope;
  size_t count = 0;
  for (auto& [job, status] : mDraining) {
    if (count++ % kSettlesPerScope == 0) {
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
  return count;
}

// A settle that throws (an allocation failing, or JS no longer allowed because the environment is stopping) must not
// escape into the thread-safe function's dispatch, which would abort the process: the error rejects the promise
// instead, and when even that is impossible there is no JS left to tell.
void CompletionQueue::settleOne(Napi::Env env, CompletionJob& job, int status) {
  try {
    job.settle(env, status);
  } catch (Napi::Error const& e) {
    try {
      if (!e.Value().IsEmpty()) job.deferred.Reject(e.Value());
    } catch (Napi::Error const&) {
      // The environment is stopping (a worker's process.exit): nothing can receive the error.
    }
  }
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
  mTsfn.Release();
}

}  // namespace trtn
