// Counters of the libnvinfer stand-in, read through trtsim_get_counters.
#pragma once

#include <atomic>
#include <cstdint>
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
};
InferCounters& inferCounters();

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

}  // namespace trtsim
