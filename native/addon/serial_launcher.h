// One thread that runs tasks in the order they were posted. Contexts whose enqueueV3 blocks (engines with
// data-dependent output shapes, dynamic_run.h) make their TensorRT calls here instead of on the JS thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace trtn {

class SerialLauncher {
 public:
  SerialLauncher();
  // Runs what is still queued, then joins. Must not be called from a task.
  ~SerialLauncher();
  SerialLauncher(SerialLauncher const&) = delete;
  SerialLauncher& operator=(SerialLauncher const&) = delete;

  // Any thread. Tasks must not throw.
  void post(std::function<void()> task);

  // Blocks until every launcher's tasks posted so far have run (tests; the simulator's synchronize). Returns whether
  // there were any: a task may have queued GPU work whose completion releases more.
  static bool drainAll();

 private:
  void loop();

  std::mutex mMutex;
  std::condition_variable mWake;
  std::deque<std::function<void()>> mTasks;
  bool mStopping = false;
  std::thread mThread;  // last: starts once the members above exist
};

}  // namespace trtn
