// A sticky CUDA error (here an illegal address in a kernel) poisons the CUDA context for the whole process, as on
// real hardware: the run in flight fails with CUDA_STICKY, and every later call fails the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CudaStickyError, Runtime, Tensor } from '../lib/index.js';
import type { Engine } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorEngine } from './helpers/engines.js';
import { markDevicePoisoned } from './helpers/leaks.js';

let runtime: Runtime;
let engine: Engine;
const x = () => Tensor.from('float32', new Float32Array(16).fill(1), [1, 16]);
const catchError = (f: () => unknown): unknown => {
  try {
    f();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
};

beforeAll(async () => {
  markDevicePoisoned();
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'mlp');
});
afterAll(() => {
  engine.dispose();
  runtime.dispose();
  simulator.clearStickyError();
});

describe('sticky CUDA error', () => {
  it('fails the run in flight, then every later run and context creation, and is never retryable', async () => {
    const context = engine.createContext();
    const other = engine.createContext();
    const buffer = runtime.createDeviceBuffer(64);
    await context.run({ x: x() });

    simulator.injectFault({ kind: 'sticky' });
    const inFlight = await context.run({ x: x() }).catch((e: unknown) => e);
    expect(inFlight).toBeInstanceOf(CudaStickyError);
    const e = inFlight as CudaStickyError;
    expect(e.retryable).toBe(false);
    expect(e.cudaError).toBe(700);
    expect(e.cudaErrorName).toBe('cudaErrorIllegalAddress');
    expect(e.message).toMatch(/restart the process/i);
    expect(simulator.counters().stickyError).toBe(700);

    // Another context on another stream is poisoned too: its first CUDA call reports the sticky error.
    const later = (await other.run({ x: x() }).catch((err: unknown) => err)) as CudaStickyError;
    expect(later).toBeInstanceOf(CudaStickyError);
    expect(later.message).toMatch(/cudaErrorIllegalAddress \(an illegal memory access was encountered\)/);
    expect(later.cudaError).toBe(700);

    // Allocation is refused as well, and a new context is refused as poisoned, not as out of memory (which a caller
    // would retry after freeing memory).
    expect(() => runtime.createDeviceBuffer(16)).toThrow(CudaStickyError);
    const created = catchError(() => engine.createContext());
    expect(created).toBeInstanceOf(CudaStickyError);
    expect(created).toMatchObject({ code: 'CUDA_STICKY', cudaError: 700, retryable: false });

    // Copies of device buffers, the ping and a device synchronize report the same poisoned context.
    for (const copy of [() => buffer.write(new Float32Array(16)), () => buffer.read(), () => context.ping()]) {
      await expect(copy()).rejects.toMatchObject({ code: 'CUDA_STICKY', cudaError: 700, cudaErrorName: 'cudaErrorIllegalAddress', retryable: false });
    }
    expect(catchError(() => runtime.synchronize())).toMatchObject({ code: 'CUDA_STICKY', cudaError: 700 });
    buffer.dispose();
    context.dispose();
    other.dispose();
  });

  it('runs queued behind the failing kernel settle (rejected), none hangs', async () => {
    simulator.clearStickyError();
    const context = engine.createContext();
    simulator.injectFault({ kind: 'slow-kernel', millis: 20 });
    simulator.injectFault({ kind: 'sticky', cudaError: 719 });
    const runs = Array.from({ length: 8 }, () => context.run({ x: x() }));
    const settled = await Promise.allSettled(runs);
    const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    expect(rejected.length).toBeGreaterThanOrEqual(7);
    for (const r of rejected) {
      expect(r.reason).toBeInstanceOf(CudaStickyError);
      expect((r.reason as CudaStickyError).cudaError).toBe(719);
    }
    expect(context.inFlight).toBe(0);
    context.dispose();
  });

  it('on an engine with a data-dependent output (runs on a launcher thread): every queued run rejects, none hangs', async () => {
    simulator.clearStickyError();
    const nonZero = await simulatorEngine(runtime, 'nonzero');
    const context = nonZero.createContext();
    const ok = await context.run({ x: x() });
    expect((ok.idx as Tensor).dims).toEqual([2, 16]); // every value is 1
    simulator.injectFault({ kind: 'sticky' });
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => context.run({ x: x() })));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    for (const s of settled as PromiseRejectedResult[]) {
      expect(s.reason).toBeInstanceOf(CudaStickyError);
      expect((s.reason as CudaStickyError).cudaError).toBe(700);
    }
    expect(context.inFlight).toBe(0);
    context.dispose();
    nonZero.dispose();
  });

  it('a kernel that faults during a warm-up rejects createContextAsync with CUDA_STICKY, and the process stays poisoned', async () => {
    simulator.clearStickyError();
    simulator.injectFault({ kind: 'sticky' });
    await expect(engine.createContextAsync({ warmUp: true })).rejects.toMatchObject({ code: 'CUDA_STICKY', cudaError: 700, retryable: false });
    await expect(engine.createContextAsync()).rejects.toBeInstanceOf(CudaStickyError);
  });
});
