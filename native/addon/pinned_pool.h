// Reusable page-locked (pinned) host buffers for staging copies. Copies to or from pinned memory are truly
// asynchronous; copies to pageable memory would block the JS thread until the stream reaches them. Freeing pinned
// memory synchronizes the device, so buffers are recycled for the owner's lifetime and freed only at its end.
// Thread-safe: runs give their staging back on the JS thread, a launcher takes output staging on its own thread, and
// after a worker's environment is torn down, jobs still finishing give theirs back on the reaper thread while the
// teardown gives back others (ThreadSanitizer caught the two racing on one pool).
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "../backend/cuda_api.h"

namespace trtn {

struct PinnedBuffer {
  void* data = nullptr;
  size_t capacity = 0;
};

class PinnedPool {
 public:
  explicit PinnedPool(CudaApi const& cuda) : mCuda(cuda) {}
  ~PinnedPool();
  PinnedPool(PinnedPool const&) = delete;
  PinnedPool& operator=(PinnedPool const&) = delete;

  // A free buffer of at least `bytes`, or a new one. Capacities are powers of two from 4 KiB (size classes), so
  // acquire and release take constant time however many runs are in flight. Returns the CUDA error on failure.
  int acquire(size_t bytes, PinnedBuffer& out);
  void release(PinnedBuffer buffer);

 private:
  static constexpr size_t kSmallest = 4096;
  static size_t classOf(size_t bytes);  // smallest class whose capacity (kSmallest << class) holds `bytes`

  CudaApi const& mCuda;
  std::mutex mMutex;  // guards the lists below
  std::vector<std::vector<PinnedBuffer>> mFree;  // free buffers by size class
  std::vector<void*> mAll;
};

}  // namespace trtn
