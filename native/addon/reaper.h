// Releases native objects off the JS thread. In CUDA, destroying a TensorRT context or engine and freeing pinned
// memory synchronize the whole device (cudaFree and cudaFreeHost wait for every stream), so a dispose() on the JS
// thread would stall the event loop for as long as any GPU work runs, on any context. Objects whose destruction
// can synchronize are therefore owned through reaped(): when the last reference goes (on the JS thread), the
// object first drops what only the JS thread may touch, and one background thread deletes the rest, in order.
#pragma once

#include <functional>
#include <memory>

#include "device_scope.h"

namespace trtn {

class Reaper {
 public:
  // Any thread: runs `work` on the reaper thread after everything posted before it.
  static void post(std::function<void()> work);
  // Blocks until everything posted so far has run (tests; environment teardown). Returns whether anything had to.
  static bool drain();
  // Whether releases are under way.
  static bool pending();
};

// The price of releasing off the JS thread: memory a dispose() gave back may not be free yet when the next
// allocation comes (dispose the old engine, load the new one). An attempt that ran out of memory while releases were
// under way is made once more after they finished.
template <typename Attempt, typename OutOfMemory>
auto retryAfterReleases(Attempt attempt, OutOfMemory outOfMemory) {
  auto result = attempt();
  if (outOfMemory(result) && Reaper::pending()) {
    Reaper::drain();
    result = attempt();
  }
  return result;
}

// A shared_ptr whose deleter calls p->releaseOnJsThread() where the last reference went, then deletes `p` on the
// reaper thread, with p's CUDA device current.
template <typename T>
std::shared_ptr<T> reaped(T* p) {
  return std::shared_ptr<T>(p, [](T* q) {
    q->releaseOnJsThread();
    Reaper::post([q] {
      DeviceScope scope(q->cuda(), q->deviceIndex());
      delete q;
    });
  });
}

}  // namespace trtn
