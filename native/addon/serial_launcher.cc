#include "serial_launcher.h"

namespace trtn {

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
    std::lock_guard<std::mutex> lock(mMutex);
    mTasks.push_back(std::move(task));
  }
  mWake.notify_one();
}

void SerialLauncher::loop() {
  std::unique_lock<std::mutex> lock(mMutex);
  for (;;) {
    mWake.wait(lock, [this] { return mStopping || !mTasks.empty(); });
    if (mTasks.empty()) return;  // stopping, and nothing left
    std::function<void()> task = std::move(mTasks.front());
    mTasks.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace trtn
