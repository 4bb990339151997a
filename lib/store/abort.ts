// Cancellable waiting: an AbortSignal ends a wait at once with a typed ABORTED error.
import { makeError } from '../errors.js';
import type { TensorRTNodeError } from '../errors.js';

export function abortedError(what: string, signal: AbortSignal): TensorRTNodeError {
  return makeError('ABORTED', `${what} was cancelled`, { cause: signal.reason });
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortedError(what, signal);
}

/** Resolves after `ms`, or rejects with ABORTED as soon as the signal aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(what, signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(what, signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
