#include "completion.h"

#include <optional>

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
  // Counted before the callback can possibly run (it may run on another thread before this returns).
  if (mPending++ == 0) mTsfn.Ref(mEnv);
  int rc = cuda.cudaStreamAddCallback(stream, &CompletionQueue::streamCallback, job.get(), 0);
  if (rc != 0) {
    job->mQueue.reset();
    if (--mPending == 0) mTsfn.Unref(mEnv);
    return rc;
  }
  job.release();
  return 0;
}

void CompletionQueue::streamCallback(cuda::Stream, int status, void* userData) {
  auto* job = static_cast<CompletionJob*>(userData);
  std::shared_ptr<CompletionQueue> queue = job->mQueue;  // the job may be settled (and freed) once pushed
  queue->push(job, status);
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

void CompletionQueue::push(CompletionJob* job, int status) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mMutex);
    if (mClosed) return;  // the environment is gone; the job (and its JS handles) is abandoned with it
    mReady.emplace_back(job, status);
    if (!mWakePending) wake = mWakePending = true;
  }
  if (wake) mTsfn.NonBlockingCall();
}

void CompletionQueue::callJs(Napi::Env env, Napi::Function, CompletionQueue* queue, void*) {
  if (env == nullptr || queue == nullptr) return;  // the function is being torn down
  queue->drain(env, /*fromWakeUp=*/true);
}

void CompletionQueue::drain(Napi::Env env, bool fromWakeUp) {
  {
    std::lock_guard<std::mutex> lock(mMutex);
    mDraining.swap(mReady);
  }
  // One handle scope per batch of settles rather than per job (opening one allocates); bounded so a long batch
  // does not hold every result's handles at once.
  constexpr size_t kSettlesPerScope = 64;
  std::optional<Napi::HandleScope> scope;
  size_t inScope = 0;
  for (auto& [job, status] : mDraining) {
    if (inScope++ % kSettlesPerScope == 0) {
      scope.reset();
      scope.emplace(env);
    }
    std::unique_ptr<CompletionJob> owned(job);
    owned->mQueue.reset();
    owned->settle(env, status);
    if (--mPending == 0) mTsfn.Unref(env);
  }
  mDraining.clear();
  scope.reset();
  // After a wake-up, one more drain follows on the next loop turn: runs settled here usually submit new work whose
  // completions arrive while Node is still dispatching, and a new wake-up then would be served in the same
  // dispatch loop. Only a next-turn drain that finds nothing hands back to the thread-safe function.
  bool again;
  {
    std::lock_guard<std::mutex> lock(mMutex);
    again = !mClosed && (fromWakeUp || !mReady.empty());
    mWakePending = again;
  }
  if (again) mSetImmediate.Call({mDrainNextTurn.Value()});
}

void CompletionQueue::close() {
  {
    std::lock_guard<std::mutex> lock(mMutex);
    mClosed = true;
  }
  mTsfn.Release();
}

}  // namespace trtn
