#include "background_job.h"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "addon_data.h"

namespace trtn {

namespace {

// At most this many jobs run at once, like libuv's default pool: a burst of deserializations or context creations
// queues instead of starting a thread each.
constexpr size_t kMaxThreads = 4;

// The jobs of every environment and the threads that run them. Never destroyed: a job thread may still be using it
// while the process exits and static destructors run.
struct Pool {
  std::mutex mutex;
  std::condition_variable work;  // a job was queued
  std::condition_variable idle;  // the queue is empty and no job runs
  std::deque<BackgroundJob*> queue;
  size_t running = 0;
  size_t threads = 0;
};

Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

void serve() {
  pthread_setname_np(pthread_self(), "trtn-background");  // 15 characters at most; shows in top, gdb, /proc
  Pool& p = pool();
  for (;;) {
    BackgroundJob* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(p.mutex);
      p.work.wait(lock, [&] { return !p.queue.empty(); });
      job = p.queue.front();
      p.queue.pop_front();
      ++p.running;
    }
    job->run();
    CompletionQueue::finish(job, 0);  // the completion queue owns the job again: not touched after this
    std::lock_guard<std::mutex> lock(p.mutex);
    if (--p.running == 0 && p.queue.empty()) p.idle.notify_all();
  }
}

}  // namespace

void BackgroundJob::start(Napi::Env env, std::unique_ptr<BackgroundJob> job) {
  std::unique_ptr<CompletionJob> owned(job.release());
  auto* expected = static_cast<BackgroundJob*>(addonData(env).completion->expect(owned));
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.queue.push_back(expected);
  if (p.threads < kMaxThreads && p.running + p.queue.size() > p.threads) {
    ++p.threads;
    std::thread(serve).detach();  // lives as long as the process, waiting for jobs
  }
  p.work.notify_one();
}

bool BackgroundJob::drainAll() {
  Pool& p = pool();
  std::unique_lock<std::mutex> lock(p.mutex);
  if (p.queue.empty() && p.running == 0) return false;
  p.idle.wait(lock, [&] { return p.queue.empty() && p.running == 0; });
  return true;
}

}  // namespace trtn
