#include "background_job.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "addon_data.h"

namespace trtn {

namespace {

std::mutex gMutex;
std::condition_variable gIdle;
size_t gRunning = 0;  // jobs whose thread has not finished them yet, in every environment

}  // namespace

void BackgroundJob::start(Napi::Env env, std::unique_ptr<BackgroundJob> job) {
  std::unique_ptr<CompletionJob> owned(job.release());
  auto* expected = static_cast<BackgroundJob*>(addonData(env).completion->expect(owned));
  {
    std::lock_guard<std::mutex> lock(gMutex);
    ++gRunning;
  }
  // Detached: the completion queue owns the job from here, and the thread touches it no more once it is finished.
  std::thread([expected] {
    expected->run();
    CompletionQueue::finish(expected, 0);
    std::lock_guard<std::mutex> lock(gMutex);
    if (--gRunning == 0) gIdle.notify_all();
  }).detach();
}

bool BackgroundJob::drainAll() {
  std::unique_lock<std::mutex> lock(gMutex);
  if (gRunning == 0) return false;
  gIdle.wait(lock, [] { return gRunning == 0; });
  return true;
}

}  // namespace trtn
