#include "serial_launcher.h"

#include <pthread.h>

namespace trtn {

namespace {

// Tasks posted to any launcher and not yet run. Never destroyed, like the reaper's state: launchers may still be
// joining when static destructors run at exit.
struct AllLaunchers {
  std::mutex mutex;
  std::condition_variable idle;
  uint64_t unfinished = 0;
};

AllLaunchers& allLaunchers() {
  static auto* all = new AllLaunchers();
  return *all;
}

}  // namespace

bool SerialLauncher::drainAll() {
  AllLaunchers& all = allLaunchers();
  std::unique_lock<std::mutex> lock(all.mutex);
  bool any = all.unfinished != 0;
  all.idle.wait(lock, [&] { return all.unfinished == 0; });
  return any;
}

SerialLauncher::SerialLauncher() : mThread([this] { loop(); }) {}

SerialLauncher::~SerialLauncher() {
  {
    std::lock_guard<std::mutex> lock(mMutex);
    mStopping = true;
  }
  mWake.notify_one();
  mThread.join();
}

void SerialLauncher::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(allLaunchers().mutex);
    ++allLaunchers().unfinished;
  }
  {
    std::lock_guard<std::mutex> lock(mMutex);
    mTasks.push_back(std::move(task));
  }
  mWake.notify_one();
}

void SerialLauncher::loop() {
  pthread_setname_np(pthread_self(), "trtn-launcher");
  std::unique_lock<std::mutex> lock(mMutex);
  for (;;) {
    mWake.wait(lock, [this] { return mStopping || !mTasks.empty(); });
    if (mTasks.empty()) return;  // stopping, and nothing left
    std::function<void()> task = std::move(mTasks.front());
    mTasks.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // what it captured goes before it counts as finished
    {
      AllLaunchers& all = allLaunchers();
      std::lock_guard<std::mutex> allLock(all.mutex);
      if (--all.unfinished == 0) all.idle.notify_all();
    }
    lock.lock();
  }
}

}  // namespace trtn
