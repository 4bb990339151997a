// Failures provoked through the simulator, for tests that look at the error they give.
import type { Engine, TensorRTNodeError } from '../../lib/index.js';
import { simulator } from '../../lib/testing/index.js';

/** Injects an allocation fault once the releases still under way are done: an allocation (loading an engine,
 * creating a context) that fails while releases are pending is retried after them, and the retry would succeed. */
export function injectAllocationFault(fault: Parameters<typeof simulator.injectFault>[0]): void {
  simulator.synchronize();
  simulator.injectFault(fault);
}

/** Poisons the device once the releases still under way are done. Once poisoned, every CUDA call fails, frees too
 * (as on a GPU, where the process must be replaced): a context released meanwhile would keep its memory, and a test
 * that clears the error and counts allocations afterwards would find it. */
export function injectStickyFault(fault: Omit<Extract<Parameters<typeof simulator.injectFault>[0], { kind: 'sticky' }>, 'kind'> = {}): void {
  simulator.synchronize();
  simulator.injectFault({ kind: 'sticky', ...fault });
}

/** The error engine.createContext() throws when its device memory cannot be allocated. */
export function createContextOutOfMemory(engine: Engine): TensorRTNodeError {
  injectAllocationFault({ kind: 'context-create', count: 1 });
  try {
    engine.createContext().dispose();
  } catch (error) {
    return error as TensorRTNodeError;
  } finally {
    simulator.clearFaults();
  }
  throw new Error('createContext succeeded despite the injected allocation failure');
}
