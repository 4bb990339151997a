// Counters of the libnvinfer stand-in, read through trtsim_get_counters.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "../include/NvInferRuntime.h"

namespace trtsim {

struct InferCounters {
  std::atomic<int64_t> runtimes{0};
  std::atomic<int64_t> engines{0};
  std::atomic<int64_t> contexts{0};
  std::atomic<int64_t> builders{0};
  std::atomic<int64_t> enqueues{0};
  std::atomic<int64_t> builds{0};
  std::atomic<int64_t> timingCacheHits{0};
  std::atomic<int64_t> timingCacheMisses{0};
  std::atomic<int64_t> destroyOrderViolations{0};
};
InferCounters& inferCounters();

// The destruction order TensorRT requires: contexts before their engine, engines before their runtime (otherwise
// undefined behaviour). A parent counts its live children; one destroyed while it still has some is counted as a
// violation, which tests assert never happens.
class Children {
 public:
  // Held by a child for its lifetime.
  class Token {
   public:
    explicit Token(std::shared_ptr<std::atomic<int64_t>> count) : mCount(std::move(count)) { ++*mCount; }
    Token(Token&&) noexcept = default;
    Token(Token const&) = delete;
    Token& operator=(Token const&) = delete;
    Token& operator=(Token&&) = delete;
    ~Token() {
      if (mCount) --*mCount;
    }

   private:
    std::shared_ptr<std::atomic<int64_t>> mCount;  // shared: outlives a parent destroyed too early
  };
  Token adopt() const { return Token(mCount); }
  // Called by the parent's destructor.
  void parentDestroyed() const {
    if (mCount->load() > 0) inferCounters().destroyOrderViolations++;
  }

 private:
  std::shared_ptr<std::atomic<int64_t>> mCount = std::make_shared<std::atomic<int64_t>>(0);
};

// A library-owned byte buffer (plans, timing caches).
class HostMemoryImpl : public nvinfer1::IHostMemory {
 public:
  explicit HostMemoryImpl(std::vector<uint8_t> bytes) : mBytes(std::move(bytes)) {}
  void* data() const noexcept override { return const_cast<uint8_t*>(mBytes.data()); }
  std::size_t size() const noexcept override { return mBytes.size(); }
  nvinfer1::DataType type() const noexcept override { return nvinfer1::DataType::kUINT8; }

 private:
  std::vector<uint8_t> mBytes;
};

// Holds the calling thread for a host delay set by a test (trtsim_*_delay; 0 or less: none), as the real call
// would take that long on its caller.
inline void holdCaller(double millis) {
  if (millis > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(millis));
}

}  // namespace trtsim
