// The simulated CUDA streams under concurrency: several host threads each drive two streams with a chain of
// copies (host -> device on one stream, an event, then device -> device -> host on the other stream after waiting
// for the event) ending in a stream callback. Every byte must arrive, every callback must run once and in stream
// order, whether idle stream workers poll for work (the default) or sleep. Built and run by
// test/native-units.test.ts; scripts/test-native-sanitized.sh runs it under ThreadSanitizer.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../../common/cuda_abi.h"
#include "../include/trtsim_control.h"

extern "C" {
#define DECLARE(name, ret, params) ret name params;
TRTN_CUDA_FUNCTIONS(DECLARE)
#undef DECLARE
}

namespace {

using trtn::cuda::Event;
using trtn::cuda::Stream;

std::atomic<int> failures{0};
std::atomic<int> checks{0};

void check(bool ok, std::string const& what) {
  checks.fetch_add(1, std::memory_order_relaxed);
  if (!ok && failures.fetch_add(1) < 20) std::printf("FAIL %s\n", what.c_str());
}

constexpr size_t kBytes = 4096;

// What the callbacks of one host thread's chain have seen.
struct Progress {
  std::atomic<int> completed{0};  // callbacks run so far
  std::atomic<int> outOfOrder{0};
  std::atomic<int> badStatus{0};
};

struct CallbackTicket {
  Progress* progress;
  int iteration;
};

void onChainDone(Stream, int status, void* userData) {
  auto* ticket = static_cast<CallbackTicket*>(userData);
  if (status != 0) ticket->progress->badStatus++;
  // Callbacks of one stream run in submission order, so iteration i completes as the i-th callback.
  if (ticket->progress->completed.load() != ticket->iteration) ticket->progress->outOfOrder++;
  ticket->progress->completed.fetch_add(1);
}

void fill(uint8_t* p, int seed) {
  for (size_t i = 0; i < kBytes; ++i) p[i] = static_cast<uint8_t>(seed * 31 + i * 7);
}

// One host thread: `iterations` chains, waiting for each in turn (alternately by cudaStreamSynchronize and by
// watching the callback's progress, which relies on the callback alone ringing the doorbell).
void driveChains(int thread, int iterations) {
  Stream upload = nullptr;
  Stream download = nullptr;
  check(cudaStreamCreateWithFlags(&upload, trtn::cuda::kStreamNonBlocking) == 0, "create upload stream");
  check(cudaStreamCreateWithFlags(&download, trtn::cuda::kStreamNonBlocking) == 0, "create download stream");
  Event uploaded = nullptr;
  check(cudaEventCreateWithFlags(&uploaded, trtn::cuda::kEventDisableTiming) == 0, "create event");
  void* hostIn = nullptr;
  void* hostOut = nullptr;
  void* deviceA = nullptr;
  void* deviceB = nullptr;
  check(cudaMallocHost(&hostIn, kBytes) == 0 && cudaMallocHost(&hostOut, kBytes) == 0, "pinned buffers");
  check(cudaMalloc(&deviceA, kBytes) == 0 && cudaMalloc(&deviceB, kBytes) == 0, "device buffers");
  std::vector<uint8_t> expected(kBytes);
  std::vector<CallbackTicket> tickets(iterations);
  Progress progress;
  int wrongBytes = 0;
  for (int i = 0; i < iterations; ++i) {
    fill(static_cast<uint8_t*>(hostIn), thread * 100003 + i);
    std::memcpy(expected.data(), hostIn, kBytes);
    std::memset(hostOut, 0, kBytes);
    tickets[i] = CallbackTicket{&progress, i};
    int rc = cudaMemcpyAsync(deviceA, hostIn, kBytes, trtn::cuda::kHostToDevice, upload);
    rc |= cudaEventRecord(uploaded, upload);
    rc |= cudaStreamWaitEvent(download, uploaded, 0);
    rc |= cudaMemcpyAsync(deviceB, deviceA, kBytes, trtn::cuda::kDeviceToDevice, download);
    rc |= cudaMemcpyAsync(hostOut, deviceB, kBytes, trtn::cuda::kDeviceToHost, download);
    rc |= cudaStreamAddCallback(download, onChainDone, &tickets[i], 0);
    if (rc != 0) check(false, "submission of chain " + std::to_string(i));
    if (i % 2 == 0) {
      check(cudaStreamSynchronize(download) == 0, "synchronize");
      // The callback may still be running when the stream reports idle only if it were not part of the stream's
      // work; it is, so it has completed.
      check(progress.completed.load() == i + 1, "synchronize waits for the callback");
    } else {
      while (progress.completed.load() != i + 1) std::this_thread::yield();
    }
    if (std::memcmp(hostOut, expected.data(), kBytes) != 0) ++wrongBytes;
  }
  check(wrongBytes == 0, "thread " + std::to_string(thread) + ": " + std::to_string(wrongBytes) + " chains lost bytes");
  check(progress.outOfOrder.load() == 0, "callbacks run in stream order");
  check(progress.badStatus.load() == 0, "callbacks see no error");
  check(cudaFree(deviceA) == 0 && cudaFree(deviceB) == 0, "free device");
  check(cudaFreeHost(hostIn) == 0 && cudaFreeHost(hostOut) == 0, "free pinned");
  check(cudaEventDestroy(uploaded) == 0, "destroy event");
  check(cudaStreamDestroy(upload) == 0 && cudaStreamDestroy(download) == 0, "destroy streams");
}

void runPhase(double spinMicros, int threads, int iterations) {
  trtsim_set_stream_spin(spinMicros);
  check(trtsim_stream_spin() == spinMicros, "spin time set");
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back(driveChains, t, iterations);
  for (auto& w : workers) w.join();
  check(cudaDeviceSynchronize() == 0, "device synchronize");
  trtsim_counters counters{};
  trtsim_get_counters(&counters);
  check(counters.live_streams == 0, "no stream left: " + std::to_string(counters.live_streams));
  check(counters.live_events == 0, "no event left: " + std::to_string(counters.live_events));
  check(counters.live_device_allocations == 0 && counters.live_pinned_allocations == 0, "no memory left");
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 400;
  double defaultSpin = trtsim_stream_spin();
  check(defaultSpin > 0 || std::getenv("TRTSIM_STREAM_SPIN_US"), "idle workers poll by default");
  runPhase(defaultSpin, 3, iterations);  // workers poll between chains
  runPhase(0, 3, iterations);            // workers sleep: every doorbell is a futex wake-up
  std::printf("%d checks, %d failures\n", checks.load(), failures.load());
  return failures.load() == 0 ? 0 : 1;
}
