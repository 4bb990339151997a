#include "pinned_pool.h"

#include <algorithm>

namespace trtn {

PinnedPool::~PinnedPool() {
  for (void* p : mAll) mCuda.cudaFreeHost(p);
}

int PinnedPool::acquire(size_t bytes, PinnedBuffer& out) {
  // Smallest free buffer that fits, so large buffers stay available for large requests.
  auto best = mFree.end();
  for (auto it = mFree.begin(); it != mFree.end(); ++it) {
    if (it->capacity >= bytes && (best == mFree.end() || it->capacity < best->capacity)) best = it;
  }
  if (best != mFree.end()) {
    out = *best;
    mFree.erase(best);
    return 0;
  }
  size_t capacity = std::max<size_t>({bytes, 4096, bytes > mLargest ? std::min(bytes * 2, bytes + mLargest) : bytes});
  void* p = nullptr;
  int rc = mCuda.cudaMallocHost(&p, capacity);
  if (rc != 0) return rc;
  mAll.push_back(p);
  mLargest = std::max(mLargest, capacity);
  out = PinnedBuffer{p, capacity};
  return 0;
}

void PinnedPool::release(PinnedBuffer buffer) {
  if (buffer.data) mFree.push_back(buffer);
}

}  // namespace trtn
