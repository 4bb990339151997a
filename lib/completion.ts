// How finished GPU work reaches JavaScript: by default a completion wakes the JS thread through a thread-safe
// function, which costs a thread wake-up (20-50 us on a VM) when the loop is asleep. Completion polling trades CPU
// for that latency, like CUDA's cudaDeviceScheduleSpin.
import { showValue } from './dtypes.js';
import { makeError } from './errors.js';
import { getNative } from './native.js';

/**
 * Polls for completions on every event-loop turn for up to `micros` after each run is submitted, instead of letting
 * the loop sleep until a completion wakes it. The loop keeps turning (timers and I/O run as usual); it just does not
 * block in the kernel while runs are in flight. Worth it when runs take less than about a millisecond and latency
 * matters more than the CPU of the JS thread. Applies to the calling thread (the main thread or one worker);
 * 0 (the default) turns it off. Returns the previous value.
 */
// Polling longer than a run takes buys nothing; beyond this, the native deadline's arithmetic would overflow.
const MAX_POLL_MICROS = 60_000_000;

export function setCompletionPolling(micros: number): number {
  if (typeof micros !== 'number' || !(micros >= 0 && micros <= MAX_POLL_MICROS)) {
    throw makeError('INVALID_ARGUMENT', `completion polling time must be a number of microseconds from 0 to ${MAX_POLL_MICROS} (60 s), got ${showValue(micros)}`);
  }
  return getNative().setCompletionPolling(micros);
}

/** How this thread's completions reached JavaScript so far: `settled` runs and pings, of which `wakeUps` had to
 * wake the JS thread (the rest were picked up by a drain already scheduled: polling, or a burst of completions). */
export function completionStats(): { wakeUps: number; settled: number } {
  return getNative().completionStats();
}
