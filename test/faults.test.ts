// Transient enqueue failures and allocation failures, as the simulator injects them with TensorRT's and CUDA's
// own error shapes. (Sticky errors poison the process, so they have a file of their own.)
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CudaTransientError, OutOfMemoryError, Runtime, Tensor } from '../lib/index.js';
import type { Engine, ExecutionContext } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorEngine, simulatorPlan } from './helpers/engines.js';
import { createContextOutOfMemory, injectAllocationFault } from './helpers/faults.js';

let runtime: Runtime;
let engine: Engine;
let context: ExecutionContext;
const x = () => Tensor.from('float32', new Float32Array(2 * 16).fill(0.5), [2, 16]);

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'mlp');
  context = engine.createContext();
});
afterEach(() => simulator.clearFaults());
afterAll(() => {
  context.dispose();
  engine.dispose();
  runtime.dispose();
});

describe('transient enqueue failure', () => {
  it('settles a run that failed after queuing its input copy only once the stream passed that copy, keeping its staging from the next run', async () => {
    using ctx = engine.createContext();
    await ctx.run({ x: x() }); // device buffers and one staging block exist
    simulator.synchronize();
    const pinnedBefore = simulator.counters().livePinnedAllocations;
    simulator.setCostModel({ copyGBps: 1e-6 }); // the input copy (128 bytes) takes about 128 ms
    try {
      simulator.injectFault({ kind: 'enqueue', count: 1 });
      const failing = ctx.run({ x: x() });
      // Its input copy is still queued and reads its staging: the run is in flight until the stream passed it, and
      // the next run gets a staging block of its own instead of overwriting that one.
      expect(ctx.inFlight).toBe(1);
      const next = ctx.run({ x: x() });
      expect(simulator.counters().livePinnedAllocations).toBe(pinnedBefore + 1);
      simulator.setCostModel({});
      expect(await failing.catch((e: unknown) => e)).toBeInstanceOf(CudaTransientError);
      expect(Array.from((await next).y!.data as Float32Array)).toEqual(Array.from((await context.run({ x: x() })).y!.data as Float32Array));
    } finally {
      simulator.setCostModel({});
    }
    expect(ctx.inFlight).toBe(0);
  });

  it('surfaces as CUDA_TRANSIENT with TensorRT\'s message, and the next run succeeds with the right values', async () => {
    const unknown = await context.run({ y: undefined, x: x() } as never).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'INVALID_INPUT', tensor: 'y', expected: 'one of x', actual: "'y'" });
    const reference = await context.run({ x: x() });

    simulator.injectFault({ kind: 'enqueue', count: 1 });
    const error = await context.run({ x: x() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CudaTransientError);
    const e = error as CudaTransientError;
    expect(e.code).toBe('CUDA_TRANSIENT');
    expect(e.retryable).toBe(true);
    expect(e.trtErrorCode).toBe(1);
    expect(e.trtMessages).toEqual(['IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (unspecified launch failure)']);
    expect(e.message).toBe('IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (unspecified launch failure)');
    expect(e.cudaError).toBe(719);
    expect(e.cudaErrorName).toBe('cudaErrorLaunchFailure');

    const after = await context.run({ x: x() });
    expect(Array.from(after.y!.data as Float32Array)).toEqual(Array.from(reference.y!.data as Float32Array));
    expect(simulator.counters().stickyError).toBe(0);
  });

  it('reports the CUDA error it was given (invalid resource handle)', async () => {
    simulator.injectFault({ kind: 'enqueue', count: 2, cudaError: 400 });
    for (let i = 0; i < 2; i++) {
      const e = (await context.run({ x: x() }).catch((err: unknown) => err)) as CudaTransientError;
      expect(e.code).toBe('CUDA_TRANSIENT');
      expect(e.message).toContain('Cuda Runtime (invalid resource handle)');
      expect(e.cudaError).toBe(400);
    }
    await expect(context.run({ x: x() })).resolves.toHaveProperty('y');
  });

  it('a failed run never resolves with zeros', async () => {
    simulator.injectFault({ kind: 'enqueue', count: 1 });
    const results = await Promise.allSettled([context.run({ x: x() }), context.run({ x: x() })]);
    expect(results[0]!.status).toBe('rejected');
    expect(results[1]!.status).toBe('fulfilled');
    const y = (results[1] as PromiseFulfilledResult<Record<string, Tensor>>).value.y!;
    expect(Array.from(y.data as Float32Array).some((v) => v !== 0)).toBe(true);
  });
});

describe('allocation failure', () => {
  it('creating a context without device memory gives OUT_OF_MEMORY with TensorRT\'s message', () => {
    const error = createContextOutOfMemory(engine);
    // As TensorRT 10 tells it: no ErrorCode means "out of memory"; the allocator's CUDA error and an OutOfMemory
    // error are recorded, and the size is also in a warning that goes only to the logger.
    const e = error as OutOfMemoryError;
    expect(e).toBeInstanceOf(OutOfMemoryError);
    const bytes = engine.deviceMemoryBytes;
    expect(bytes).toBeGreaterThan(0);
    expect(e.message).toBe(`ICudaEngine::createExecutionContext: Error Code 2: OutOfMemory (Requested size was ${bytes} bytes.)`);
    expect(e.trtMessages).toEqual([
      'ICudaEngine::createExecutionContext: Error Code 1: Cuda Runtime (out of memory)',
      e.message,
    ]);
    expect(e.trtLog).toEqual([
      `[W] Requested amount of GPU memory (${bytes} bytes) could not be allocated. There may not be enough free memory for allocation to succeed.`,
    ]);
  });

  it('the warnings TensorRT logged during a failed call ride on the error whatever the log level, and reach the logger once', async () => {
    for (const logSeverity of ['error', 'warning'] as const) {
      const logged: string[] = [];
      using rt = Runtime.create({ backend: 'simulator', logSeverity, logger: (_s, m) => logged.push(m) });
      using eng = await simulatorEngine(rt, 'mlp');
      const e = createContextOutOfMemory(eng); // waits for the previous round's releases first
      expect(e.trtLog).toHaveLength(1);
      expect(e.trtLog[0]).toMatch(/^\[W\] Requested amount of GPU memory \(\d+ bytes\)/);
      await new Promise((r) => setImmediate(r)); // log calls hop to the JS thread
      expect(logged).toEqual(logSeverity === 'warning' ? [e.trtLog[0]!.slice(4)] : []);
      using ok = eng.createContext(); // nothing left over from the failed call
      expect(ok.inFlight).toBe(0);
    }
  });

  it('loading an engine without device memory for its weights gives OUT_OF_MEMORY with the size', async () => {
    injectAllocationFault({ kind: 'alloc', count: 1 }); // the weights are the first allocation of a deserialize
    const e = (await runtime.deserialize(await simulatorPlan('mlp')).catch((err: unknown) => err)) as OutOfMemoryError;
    expect(e).toBeInstanceOf(OutOfMemoryError);
    expect(e.message).toMatch(/^IRuntime::deserializeCudaEngine: Error Code 2: OutOfMemory \(Requested size was (\d+) bytes\.\)$/);
    const bytes = /was (\d+) bytes/.exec(e.message)![1];
    expect(e.trtMessages[0]).toBe('IRuntime::deserializeCudaEngine: Error Code 1: Cuda Runtime (out of memory)');
    expect(e.trtLog).toEqual([expect.stringContaining(`[W] Requested amount of GPU memory (${bytes} bytes) could not be allocated.`)]);
    using loaded = await runtime.deserialize(await simulatorPlan('mlp')); // with the memory back, it loads
    expect(loaded.inputs.map((t) => t.name)).toEqual(['x']);
  });

  it('a successful call leaves nothing in the next error\'s log', async () => {
    simulator.injectFault({ kind: 'enqueue', count: 1 });
    const e = (await context.run({ x: x() }).catch((err: unknown) => err)) as CudaTransientError;
    expect(e.code).toBe('CUDA_TRANSIENT');
    expect(e.trtLog).toEqual([]);
  });

  it('a buffer write that fails after queuing its copy keeps its staging until the copy ran: another write\'s bytes never land in it', async () => {
    // The first write's copy is queued, then its completion event cannot be created. Had its staging gone back to the
    // pool at once, the second write would have refilled that block while the slow copy still had to read it.
    using own = Runtime.create({ backend: 'simulator' });
    using a = own.createDeviceBuffer(16);
    using b = own.createDeviceBuffer(16);
    simulator.setCostModel({ copyGBps: 1e-6 }); // 16 bytes take 16 ms
    try {
      simulator.injectFault({ kind: 'event-create' });
      const first = a.write(Float32Array.of(1, 2, 3, 4)).catch((e: unknown) => e);
      const second = b.write(Float32Array.of(-1, -2, -3, -4));
      expect(await first).toBeInstanceOf(OutOfMemoryError);
      await second;
    } finally {
      simulator.setCostModel({});
    }
    expect(Array.from(new Float32Array(await a.read()))).toEqual([1, 2, 3, 4]); // the copy ran, with its own bytes
    expect(Array.from(new Float32Array(await b.read()))).toEqual([-1, -2, -3, -4]);
  });

  it('createDeviceTensor whose initial copy fails frees the tensor it made: the caller never got it to dispose', async () => {
    using own = Runtime.create({ backend: 'simulator' });
    simulator.synchronize();
    const before = simulator.counters();
    simulator.injectFault({ kind: 'event-create' });
    const error = await own.createDeviceTensor('float32', [2, 2], Tensor.from('float32', Float32Array.of(1, 2, 3, 4), [2, 2])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutOfMemoryError);
    simulator.synchronize();
    const after = simulator.counters();
    expect(after.liveDeviceAllocations).toBe(before.liveDeviceAllocations);
    expect(after.liveDeviceBytes).toBe(before.liveDeviceBytes);
  });

  it('a device buffer larger than the GPU gives OUT_OF_MEMORY naming cudaErrorMemoryAllocation', () => {
    let error: unknown;
    try {
      runtime.createDeviceBuffer(64 * 2 ** 30);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutOfMemoryError);
    expect((error as OutOfMemoryError).cudaErrorName).toBe('cudaErrorMemoryAllocation');
  });
});
