// The work queue of one simulated stream: many submitting threads, one worker, no lock on the way through.
//
// Why not a mutex and a vector: a run queues three or four items (copies, a kernel, a callback) from the JS thread
// while the worker takes batches off the same queue. With a mutex every submission and every batch moved the lock's
// cache line between the two threads, and under load the unlock often had to wake a waiter through a futex: about a
// quarter of the JS thread's cycles at 64 runs in flight, on a host where one cache-line hand-off costs 0.5 us.
//
// Here a submission takes a position (an atomic add on a line only submitters write), writes the item into that
// position's slot of a fixed ring and publishes it through the slot's sequence number, which the worker only reads.
// A slot is free again once the worker's finished count has passed it; submitters keep the count they saw last on
// their own line and read the worker's only when the ring looks full. The doorbell is a position too: the worker may
// run everything before `rungUpTo`. So per run the slots and the doorbell cross towards the worker, the finished
// count crosses back about once per lap of the ring, and nothing is locked unless a thread has to sleep.
//
// Like a GPU's push buffer the ring is bounded: when it is full, a submitting thread waits until the worker has
// freed the slot it needs, as a CUDA launch blocks when the launch queue is full.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "state.h"

namespace trtsim::cuda {

template <typename Item>
class StreamQueue {
 public:
  static constexpr uint64_t kCapacity = 1024;  // a power of two
  // Items queued without a doorbell that ring it anyway, so a long run of copies and kernels starts early.
  static constexpr uint64_t kDoorbellQueueLength = 32;

  StreamQueue() : mSlots(new Slot[kCapacity]) {}
  StreamQueue(StreamQueue const&) = delete;
  StreamQueue& operator=(StreamQueue const&) = delete;

  // Any thread: queues `item` after everything queued so far. With `doorbell` the worker may start on it at once;
  // without, it waits for a later doorbell (or for kDoorbellQueueLength items to pile up).
  void push(Item item, bool doorbell) {
    uint64_t position = mTail.fetch_add(1, std::memory_order_relaxed);
    if (position >= mKnownFinished.load(std::memory_order_acquire) + kCapacity) waitForFreeSlot(position);
    Slot& slot = slotAt(position);
    slot.item = std::move(item);
    slot.sequence.store(position + 1, std::memory_order_release);  // published
    if (doorbell || position + 1 >= mRungUpTo.load(std::memory_order_relaxed) + kDoorbellQueueLength) {
      ringUpTo(position + 1);
    }
  }

  // Any thread: lets the worker run everything queued so far (a thread about to wait for the stream).
  void ringAll() { ringUpTo(mTail.load(std::memory_order_acquire)); }

  // Any thread: whether everything queued so far has run.
  bool idle() const {
    return mFinished.load(std::memory_order_acquire) >= mTail.load(std::memory_order_acquire);
  }

  // Any thread: rings, then waits until everything queued before the call has run. `poll(done)` may spin on
  // `done()` first and returns whether it became true; then the thread sleeps until the worker tells it.
  template <typename Poll>
  void waitIdle(Poll const& poll) {
    uint64_t target = mTail.load(std::memory_order_acquire);
    ringUpTo(target);
    auto done = [&] { return mFinished.load(std::memory_order_seq_cst) >= target; };
    if (poll(done)) return;
    mIdleWaiters.fetch_add(1, std::memory_order_seq_cst);
    {
      std::unique_lock<std::mutex> lock(mSleepMutex);
      mIdleCv.wait(lock, done);
    }
    mIdleWaiters.fetch_sub(1, std::memory_order_relaxed);
  }

  // Any thread, once: the worker runs what is queued, then runWorker returns.
  void stop() {
    ringAll();
    {
      std::lock_guard<std::mutex> lock(mSleepMutex);
      mStopping.store(true, std::memory_order_seq_cst);
    }
    mWorkCv.notify_one();
  }

  // The worker thread: runs every rung item in order with `run(item)` and releases it (its closures and references
  // go on this thread, after it ran). When nothing is rung, `poll(ready)` may spin on `ready()` before the worker
  // sleeps. Returns when stopped with nothing left.
  template <typename Poll, typename Run>
  void runWorker(Poll const& poll, Run const& run) {
    uint64_t head = 0;
    for (;;) {
      uint64_t end = mRungUpTo.load(std::memory_order_acquire);
      if (end <= head) {
        end = waitForDoorbell(head, poll);
        if (end <= head) return;  // stopping, and everything rung has run
      }
      for (; head < end; ++head) {
        Slot& slot = slotAt(head);
        // A submitter may have taken an earlier position than the one it rang for and still be writing it.
        for (unsigned i = 0; slot.sequence.load(std::memory_order_acquire) != head + 1; ++i) backOff(i);
        run(slot.item);
        slot.item = Item{};
        // Each slot is free as soon as its item ran, as a GPU's push buffer entry is once fetched: a batch can be
        // the whole ring, and a submitter waiting for room must not wait for all of it.
        mFinished.store(head + 1, std::memory_order_release);
      }
      mFinished.store(head, std::memory_order_seq_cst);  // pairs with idle waiters (synchronize) below
      if (mIdleWaiters.load(std::memory_order_seq_cst) > 0) {
        { std::lock_guard<std::mutex> lock(mSleepMutex); }  // a waiter is either before its check or asleep
        mIdleCv.notify_all();
      }
    }
  }

 private:
  // One slot per cache line or more, so neighbouring items do not share a line between submitter and worker.
  struct alignas(64) Slot {
    std::atomic<uint64_t> sequence{0};  // position + 1 once the item of that position is in
    Item item;
  };

  Slot& slotAt(uint64_t position) { return mSlots[position & (kCapacity - 1)]; }

  static void backOff(unsigned attempt) {
    if (attempt < 64) {
      cpuRelax();
    } else {
      std::this_thread::yield();
    }
  }

  void ringUpTo(uint64_t position) {
    uint64_t rung = mRungUpTo.load(std::memory_order_relaxed);
    while (rung < position &&
           !mRungUpTo.compare_exchange_weak(rung, position, std::memory_order_seq_cst, std::memory_order_relaxed)) {
    }
    // Pairs with waitForDoorbell: either the worker sees the new doorbell before it sleeps, or this sees it asleep.
    if (mWorkerAsleep.load(std::memory_order_seq_cst)) {
      { std::lock_guard<std::mutex> lock(mSleepMutex); }
      mWorkCv.notify_one();
    }
  }

  // The ring looked full by the finished count submitters saw last. Reads the worker's; if the slot a lap behind
  // is still in use, lets everything before this position run and waits for the worker to pass it.
  void waitForFreeSlot(uint64_t position) {
    uint64_t finished = mFinished.load(std::memory_order_acquire);
    if (position >= finished + kCapacity) {
      counters().blockedLaunches.fetch_add(1, std::memory_order_relaxed);
      ringUpTo(position);
      for (unsigned i = 0; position >= (finished = mFinished.load(std::memory_order_acquire)) + kCapacity; ++i) {
        backOff(i);
      }
    }
    // Release: a submitter that reads this count and writes a slot must be ordered after the worker's release of it.
    uint64_t known = mKnownFinished.load(std::memory_order_relaxed);
    while (known < finished &&
           !mKnownFinished.compare_exchange_weak(known, finished, std::memory_order_release, std::memory_order_relaxed)) {
    }
  }

  template <typename Poll>
  uint64_t waitForDoorbell(uint64_t head, Poll const& poll) {
    auto ready = [&] {
      return mRungUpTo.load(std::memory_order_seq_cst) > head || mStopping.load(std::memory_order_seq_cst);
    };
    if (!poll(ready)) {
      mWorkerAsleep.store(true, std::memory_order_seq_cst);
      {
        std::unique_lock<std::mutex> lock(mSleepMutex);
        mWorkCv.wait(lock, ready);
      }
      mWorkerAsleep.store(false, std::memory_order_relaxed);
    }
    return mRungUpTo.load(std::memory_order_acquire);
  }

  std::unique_ptr<Slot[]> mSlots;
  // Each written by one side only, each on its own line.
  alignas(64) std::atomic<uint64_t> mTail{0};           // submitters: positions handed out
  std::atomic<uint64_t> mKnownFinished{0};               // submitters: mFinished as they saw it last
  alignas(64) std::atomic<uint64_t> mRungUpTo{0};  // submitters: the doorbell
  alignas(64) std::atomic<uint64_t> mFinished{0};  // the worker: positions run
  // Written only when a thread goes to sleep or wakes, or at stop.
  alignas(64) std::atomic<bool> mWorkerAsleep{false};
  std::atomic<int> mIdleWaiters{0};
  std::atomic<bool> mStopping{false};
  std::mutex mSleepMutex;  // only for sleeping: makes a check-then-wait atomic against a notify
  std::condition_variable mWorkCv;
  std::condition_variable mIdleCv;
};

}  // namespace trtsim::cuda
