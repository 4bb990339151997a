// The addon's own surface, called with every kind of wrong argument. The TypeScript layer validates first, but the
// native layer must hold without it (a caller reaching it directly, or a bug in lib/): each call returns, throws an
// Error, or returns a promise that settles; none may crash the process, hang, or leave anything behind.
// `npm run test:native` repeats this file under AddressSanitizer and ThreadSanitizer, where a bad read or write in
// an error path fails it even when it happens not to crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeBinding, NativeDeviceBuffer, NativeEngine, NativeExecutionContext, NativeRuntime } from '../binding.js';
import { getNative } from '../lib/native.js';
import { settleable, settlementArena } from '../lib/settlements.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorPlan } from './helpers/engines.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

let native: NativeBinding;
let runtime: NativeRuntime;
let engine: NativeEngine;
let context: NativeExecutionContext;
let buffer: NativeDeviceBuffer;
let disposed: { runtime: NativeRuntime; engine: NativeEngine; context: NativeExecutionContext; buffer: NativeDeviceBuffer };
let plan: Uint8Array;

beforeAll(async () => {
  native = getNative();
  plan = await simulatorPlan('mlp'); // x float32 [b,16] -> y [b,8]
  runtime = new native.Runtime('simulator', 2);
  engine = await runtime.deserialize(plan);
  context = engine.createContext();
  buffer = runtime.createDeviceBuffer(256);
  const r = new native.Runtime('simulator', 2);
  const e = await r.deserialize(plan);
  disposed = { runtime: r, engine: e, context: e.createContext(), buffer: r.createDeviceBuffer(16) };
  for (const o of [disposed.context, disposed.buffer, disposed.engine, disposed.runtime]) o.dispose();
});

afterAll(() => {
  for (const o of [buffer, context, engine, runtime]) o.dispose();
});

/** Single arguments of every kind, other addon objects (live and disposed) among them. */
function oddValues(): unknown[] {
  return [
    undefined, null, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 31), 2 ** 40, 'x', '', true, {}, [],
    [1, 2], Symbol('s'), () => 1, 1n, new Uint8Array(0), new Float64Array([1, 16]), new Float32Array(3), new ArrayBuffer(3),
    new DataView(new ArrayBuffer(8)), new Int32Array(new SharedArrayBuffer(8)), detachedArray(),
    runtime, engine, context, buffer, disposed.runtime, disposed.engine, disposed.context, disposed.buffer,
  ];
}

function detachedArray(): Float32Array {
  const a = new Float32Array(32);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

/** Argument lists: none, each odd value alone, in second and third place, and run()-shaped lists gone wrong. */
function argumentLists(): unknown[][] {
  const values = oddValues();
  const dims = new Float64Array([2, 16]);
  const x = new Float32Array(32);
  return [
    [],
    ...values.map((v) => [v]),
    ...values.map((v) => [dims, v, x]),
    ...values.map((v) => [dims, undefined, v]),
    ...values.map((v) => [v, undefined, x]),
    ...values.map((v) => [dims, [v], x]),
    [new Float64Array([2]), undefined, x],
    [new Float64Array([2, 16, 3]), undefined, x],
    [new Float64Array([-2, 16]), undefined, x],
    [new Float64Array([2.5, 16]), undefined, x],
    [new Float64Array([1e300, 16]), undefined, x],
    [new Float64Array([0, 16]), undefined, new Float32Array(0)],
    [dims, undefined, x, x, x],
    [dims, [new Float32Array(1)], x],
    [dims, [buffer], x],
    [dims, [disposed.buffer], x],
    [0, -1, 2 ** 40],
    [new Uint8Array(8), 2 ** 53],
    [new Uint8Array(8), 250],
  ];
}

/** Calls fn with args and returns how it ended; never lets a non-Error escape unnoticed. */
async function outcome(fn: () => unknown): Promise<'returned' | 'threw' | 'rejected' | 'resolved'> {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    expect(error, `a thrown ${typeof error}`).toBeInstanceOf(Error);
    return 'threw';
  }
  if (!(result instanceof Promise)) return 'returned';
  try {
    const value = await result;
    disposeIfNative(value);
    return 'resolved';
  } catch (error) {
    expect(error, `a rejection with ${typeof error}`).toBeInstanceOf(Error);
    return 'rejected';
  }
}

const created: { dispose(): void }[] = [];
function disposeIfNative(value: unknown): void {
  if (value && typeof value === 'object' && typeof (value as { dispose?: unknown }).dispose === 'function') {
    created.push(value as { dispose(): void });
  }
}

/** The asynchronous methods: their first argument is a ticket (lib/settlements.ts) whose promise they settle. */
const TICKETED = new Set(['run', 'ping', 'write', 'read', 'copyTo']);

/** Calls `method` as lib/ does: an asynchronous one with a fresh ticket first, its promise standing for the call. */
function call(target: object, method: string, args: unknown[]): unknown {
  const fn = (target as Record<string, (...a: unknown[]) => unknown>)[method]!;
  if (!TICKETED.has(method)) return fn.apply(target, args);
  return settleable((ticket) => fn.apply(target, [ticket, ...args]));
}

async function fuzz(target: object, methods: string[]): Promise<Record<string, Set<string>>> {
  const seen: Record<string, Set<string>> = {};
  for (const method of methods) {
    seen[method] = new Set();
    for (const args of argumentLists()) {
      const ended = await outcome(() => {
        const r = call(target, method, args);
        disposeIfNative(r);
        return r;
      });
      seen[method]!.add(ended);
    }
    if (TICKETED.has(method)) {
      // Without a valid ticket the call is refused at once, and nothing is settled.
      for (const bad of [[], [-1], [1.5], [2 ** 31], ['0'], [undefined]]) {
        expect(await outcome(() => (target as Record<string, (...a: unknown[]) => unknown>)[method]!(...bad)), `${method}(${String(bad[0])})`).toBe('threw');
      }
    }
  }
  return seen;
}

describe('the native surface, called directly with wrong arguments', () => {
  it('every method of every object ends in a value, an Error or a settled promise, never a crash', async () => {
    await settleable((t) => context.run(t, new Float64Array([2, 16]), undefined, new Float32Array(32))); // the context's buffers exist
    simulator.synchronize();
    const before = simulator.counters();
    const polling = native.setCompletionPolling();

    const seen = {
      ...(await fuzz(runtime, ['info', 'device', 'deserialize', 'createDeviceBuffer', 'synchronize'])),
      ...(await fuzz(engine, ['info', 'createContext', 'serialize'])),
      ...(await fuzz(context, ['run', 'ping', 'setProfile', 'useCudaGraphs'])),
      ...(await fuzz(buffer, ['write', 'read', 'copyTo'])),
      ...(await fuzz(native, ['buildInfo', 'completionStats', 'setCompletionPolling'])),
    };
    native.setCompletionPolling(polling);
    if (process.env.SHOW_OUTCOMES) console.log(Object.entries(seen).map(([m, s]) => `${m}: ${[...s].join(",")}`).join("\n"));
    // The error paths were taken: every method that takes arguments refused some of these.
    for (const method of ['deserialize', 'createDeviceBuffer', 'run', 'setProfile', 'write', 'read']) {
      expect([...seen[method]!].some((s) => s === 'threw' || s === 'rejected'), method).toBe(true);
    }
    // Objects of a disposed runtime, engine or context refuse every use.
    for (const [object, method] of [
      [disposed.runtime, 'createDeviceBuffer'], [disposed.engine, 'createContext'], [disposed.context, 'run'], [disposed.buffer, 'read'],
    ] as const) {
      expect(await outcome(() => call(object, method, [16])), method).toMatch(/threw|rejected/);
    }

    // The objects still work, and whatever the calls made is released.
    const x = new Float32Array(32).fill(0.25);
    // The 64 output bytes come as their offset in the settlement arena (alone once the dims repeat), copied out as
    // lib/ does (here a microtask later, which is safe: nothing else is in flight to reuse the arena).
    type Bytes = ArrayBuffer | number;
    const y = await settleable<Float32Array>((t) => context.run(t, new Float64Array([2, 16]), undefined, x)).then((good) => {
      const bytes = (Array.isArray(good) ? good[1] : good) as Bytes;
      return typeof bytes === 'number' ? new Float32Array(settlementArena, bytes, 16).slice() : new Float32Array(bytes);
    });
    await expectLikeOrt(getModel('mlp').onnx, { x: { dtype: 'float32', dims: [2, 16], data: x } }, { y: { dtype: 'float32', dims: [2, 8], data: y } });
    for (const o of created.splice(0)) o.dispose();
    simulator.synchronize();
    const after = simulator.counters();
    expect(after.liveContexts).toBe(before.liveContexts);
    expect(after.liveEngines).toBe(before.liveEngines);
    expect(after.liveDeviceAllocations).toBe(before.liveDeviceAllocations);
    expect(after.liveStreams).toBe(before.liveStreams);
  });

  it('the classes cannot be constructed from JavaScript, except Runtime, whose bad arguments are refused', async () => {
    for (const Class of [native.Engine, native.ExecutionContext, native.DeviceBuffer] as unknown as (new (...a: unknown[]) => unknown)[]) {
      for (const args of [[], [1], [{}], [runtime]]) {
        expect(await outcome(() => new Class(...args)), Class.name).toBe('threw');
      }
    }
    const RuntimeClass = native.Runtime as unknown as new (...a: unknown[]) => { dispose(): void };
    for (const args of [
      [], ['gpu', 2], ['simulator', -1], ['simulator', 5], ['simulator', 2.5], ['simulator', '2'], ['simulator', 2, 'not a function'],
      ['simulator', 2, undefined, -1], ['simulator', 2, undefined, 1.5], ['simulator', 2, undefined, 2 ** 40], [1, 2, 3, 4],
    ]) {
      expect(await outcome(() => new RuntimeClass(...args).dispose()), JSON.stringify(args)).toBe('threw');
    }
  });

  it('the builder refuses garbage ONNX and options with a rejection, and cancel is harmless at any time', async () => {
    for (const args of [
      [], ['simulator'], ['simulator', new Uint8Array([1, 2, 3])], ['simulator', 'onnx'], ['nope', new Uint8Array(4)],
      ['simulator', new Uint8Array(4), { profiles: 'x' }], ['simulator', new Uint8Array(4), { workspaceBytes: -1 }],
      ['simulator', new Uint8Array(4), undefined, 'not a function'],
    ]) {
      const ended = await outcome(() => {
        const job = (native.build as (...a: unknown[]) => { promise: Promise<unknown>; cancel(): void })(...args);
        job.cancel();
        job.cancel();
        return job.promise;
      });
      expect(ended, JSON.stringify(args)).toMatch(/threw|rejected/);
    }
  });
});
