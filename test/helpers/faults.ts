// Failures provoked through the simulator, for tests that look at the error they give.
import type { Engine, TensorRTNodeError } from '../../lib/index.js';
import { simulator } from '../../lib/testing/index.js';

/** The error engine.createContext() throws when its device memory cannot be allocated. Releases still under way are
 * waited for first: an allocation that fails meanwhile is retried once they are done, which would take the fault. */
export function createContextOutOfMemory(engine: Engine): TensorRTNodeError {
  simulator.synchronize();
  simulator.injectFault({ kind: 'context-create', count: 1 });
  try {
    engine.createContext().dispose();
  } catch (error) {
    return error as TensorRTNodeError;
  } finally {
    simulator.clearFaults();
  }
  throw new Error('createContext succeeded despite the injected allocation failure');
}
