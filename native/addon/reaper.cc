#include "reaper.h"

#include <pthread.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <thread>

namespace trtn {

namespace {

// Never destroyed: the thread may still be running when static destructors would run at exit.
struct ReaperState {
  std::mutex mutex;
  std::condition_variable wake;  // work arrived
  std::condition_variable idle;  // a piece of work finished
  std::deque<std::function<void()>> queue;
  uint64_t posted = 0;
  uint64_t done = 0;
  bool started = false;
};

ReaperState& state() {
  static auto* s = new ReaperState();
  return *s;
}

void reaperLoop() {
  pthread_setname_np(pthread_self(), "trtn-reaper");
  ReaperState& s = state();
  std::unique_lock<std::mutex> lock(s.mutex);
  for (;;) {
    s.wake.wait(lock, [&] { return !s.queue.empty(); });
    std::function<void()> work = std::move(s.queue.front());
    s.queue.pop_front();
    lock.unlock();
    work();
    work = nullptr;  // whatever the work captured goes here too, off the JS thread
    lock.lock();
    ++s.done;
    s.idle.notify_all();
  }
}

}  // namespace

void Reaper::post(std::function<void()> work) {
  ReaperState& s = state();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.started) {
      std::thread(reaperLoop).detach();
      s.started = true;
      // process.exit() skips the environment's cleanup hooks, and the libraries' static destructors run at exit:
      // releases still under way finish first (registered after those libraries were loaded, so it runs before).
      std::atexit([] { Reaper::drain(); });
    }
    s.queue.push_back(std::move(work));
    ++s.posted;
  }
  s.wake.notify_one();
}

bool Reaper::pending() {
  ReaperState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.done != s.posted;
}

bool Reaper::drain() {
  ReaperState& s = state();
  std::unique_lock<std::mutex> lock(s.mutex);
  bool any = s.done != s.posted;
  // Until nothing is left, including what the work itself posted (a context's release releases its engine).
  s.idle.wait(lock, [&] { return s.done == s.posted; });
  return any;
}

}  // namespace trtn
