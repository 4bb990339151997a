#include "background_job.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "addon_data.h"

namespace trtn {

namespace {

// Jobs whose thread has not finished them yet, in every environment. Never destroyed: a detached job thread may
// still signal it while the process exits and static destructors run.
struct Running {
  std::mutex mutex;
  std::condition_variable idle;
  size_t count = 0;
};
Running& running() {
  static Running* r = new Running();
  return *r;
}

}  // namespace

void BackgroundJob::start(Napi::Env env, std::unique_ptr<BackgroundJob> job) {
  std::unique_ptr<CompletionJob> owned(job.release());
  auto* expected = static_cast<BackgroundJob*>(addonData(env).completion->expect(owned));
  {
    std::lock_guard<std::mutex> lock(running().mutex);
    ++running().count;
  }
  // Detached: the completion queue owns the job from here, and the thread touches it no more once it is finished.
  std::thread([expected] {
    expected->run();
    CompletionQueue::finish(expected, 0);
    Running& r = running();
    std::lock_guard<std::mutex> lock(r.mutex);
    if (--r.count == 0) r.idle.notify_all();
  }).detach();
}

bool BackgroundJob::drainAll() {
  Running& r = running();
  std::unique_lock<std::mutex> lock(r.mutex);
  if (r.count == 0) return false;
  r.idle.wait(lock, [&] { return r.count == 0; });
  return true;
}

}  // namespace trtn
