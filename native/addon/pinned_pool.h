// Reusable page-locked (pinned) host buffers for staging copies. Copies to or from pinned memory are truly
// asynchronous; copies to pageable memory would block the JS thread until the stream reaches them. Freeing pinned
// memory synchronizes the device, so buffers are recycled for the owner's lifetime and freed only at its end.
#pragma once

#include <cstddef>
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

  // A free buffer of at least `bytes`, or a new one (capacity doubles past the largest so far). Returns the CUDA
  // error on allocation failure.
  int acquire(size_t bytes, PinnedBuffer& out);
  void release(PinnedBuffer buffer);

 private:
  CudaApi const& mCuda;
  std::vector<PinnedBuffer> mFree;
  std::vector<void*> mAll;
  size_t mLargest = 0;
};

}  // namespace trtn
