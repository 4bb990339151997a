// How the CLI prints a library error: the message once, then what TensorRT recorded and logged, then the hint.
import { describe, expect, it } from 'vitest';
import { formatError, reportOf } from '../../lib/cli/errors.js';
import { Runtime } from '../../lib/index.js';
import { simulatorEngine } from '../helpers/engines.js';
import { createContextOutOfMemory } from '../helpers/faults.js';

describe('CLI error report', () => {
  it('an out-of-memory failure lists TensorRT\'s other error and its logged warning under the message, then the hint', async () => {
    using runtime = Runtime.create({ backend: 'simulator' });
    using engine = await simulatorEngine(runtime, 'mlp');
    const error = createContextOutOfMemory(engine);
    const bytes = engine.deviceMemoryBytes;
    expect(formatError(reportOf(error)).split('\n')).toEqual([
      `error [OUT_OF_MEMORY]: ICudaEngine::createExecutionContext: Error Code 2: OutOfMemory (Requested size was ${bytes} bytes.)`,
      '  - ICudaEngine::createExecutionContext: Error Code 1: Cuda Runtime (out of memory)',
      `  - [W] Requested amount of GPU memory (${bytes} bytes) could not be allocated. There may not be enough free memory for allocation to succeed.`,
      '  hint: free GPU memory, or lower --workspace or the largest shapes of the profile',
    ]);
  });
});
