#include "pinned_pool.h"

namespace trtn {

PinnedPool::~PinnedPool() {
  for (void* p : mAll) mCuda.cudaFreeHost(p);
}

size_t PinnedPool::classOf(size_t bytes) {
  constexpr size_t kLargestClass = sizeof(size_t) * 8 - 13;  // kSmallest << class must not overflow
  size_t c = 0;
  while (c < kLargestClass && (kSmallest << c) < bytes) ++c;
  return c;
}

int PinnedPool::acquire(size_t bytes, PinnedBuffer& out) {
  size_t wanted = classOf(bytes);
  {
    std::lock_guard<std::mutex> lock(mMutex);
    // Its own class first, then a larger free buffer rather than a new allocation (cudaMallocHost is slow).
    for (size_t c = wanted; c < mFree.size(); ++c) {
      if (!mFree[c].empty()) {
        out = mFree[c].back();
        mFree[c].pop_back();
        return 0;
      }
    }
  }
  size_t capacity = kSmallest << wanted;
  if (capacity < bytes) return cuda::kErrorMemoryAllocation;  // overflowed: no such size
  void* p = nullptr;
  int rc = mCuda.cudaMallocHost(&p, capacity);  // outside the lock: it can take long
  if (rc != 0) return rc;
  std::lock_guard<std::mutex> lock(mMutex);
  mAll.push_back(p);
  out = PinnedBuffer{p, capacity};
  return 0;
}

void PinnedPool::release(PinnedBuffer buffer) {
  if (!buffer.data) return;
  size_t c = classOf(buffer.capacity);
  std::lock_guard<std::mutex> lock(mMutex);
  if (c >= mFree.size()) mFree.resize(c + 1);
  mFree[c].push_back(buffer);
}

}  // namespace trtn
