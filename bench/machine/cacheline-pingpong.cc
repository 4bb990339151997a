// How long two threads take to hand a cache line back and forth: the floor under every hand-off between the JS
// thread and the simulator's stream worker. Typically 0.1-0.2 us between cores that share a cache, more across
// chiplets or sockets, and far more when the VM's two vCPUs do not run at the same time. Run it next to the
// overhead benchmark (bench/machine/run.sh) so that results from different days can be compared.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

int main() {
  alignas(64) std::atomic<int> turn{0};
  constexpr int kRounds = 200000;
  std::thread other([&] {
    for (int i = 0; i < kRounds; ++i) {
      while (turn.load(std::memory_order_acquire) != 1) {
      }
      turn.store(0, std::memory_order_release);
    }
  });
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    turn.store(1, std::memory_order_release);
    while (turn.load(std::memory_order_acquire) != 0) {
    }
  }
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
  other.join();
  std::printf("cache-line round trip between two threads: %.0f ns\n", ns / kRounds);
  return 0;
}
