// The addon's own surface, called with every kind of wrong argument. The TypeScript layer validates first, but the
// native layer must hold without it (a caller reaching it directly, or a bug in lib/): each call returns, throws an
// Error, or returns a promise that settles; none may crash the process, hang, or leave anything behind.
// `npm run test:native` repeats this file under AddressSanitizer and ThreadSanitizer, where a bad read or write in
// an error path fails it even when it happens not to crash.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeBinding, NativeDeviceBuffer, NativeEngine, NativeExecutionContext, NativeRuntime } from '../binding.js';
import { getNative, packageRoot } from '../lib/native.js';
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
  engine = await settleable<NativeEngine>((t) => runtime.deserialize(t, plan));
  context = engine.createContext();
  buffer = runtime.createDeviceBuffer(256);
  const r = new native.Runtime('simulator', 2);
  const e = await settleable<NativeEngine>((t) => r.deserialize(t, plan));
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
const TICKETED = new Set(['run', 'ping', 'write', 'read', 'copyTo', 'deserialize', 'createContextAsync']);

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
      ...(await fuzz(context, ['run', 'ping', 'setProfile', 'useCudaGraphs', 'dimsBuffer', 'boundRun', 'boundPing', 'enqueueTime', 'run'])),
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

// Found by fuzzing the raw surface: objects disguised as other classes, and calls during which user code runs.
describe('objects that are not what they seem, and user code that runs inside a call', () => {
  it('an object of another class with DeviceBuffer\'s prototype is not taken for a device buffer', async () => {
    // It passes instanceof; unwrapped as a DeviceBuffer, the engine's memory was read as one (SIGSEGV).
    const disguised = await settleable<NativeEngine>((t) => runtime.deserialize(t, plan));
    Object.setPrototypeOf(disguised, (native.DeviceBuffer as unknown as { prototype: object }).prototype);
    expect(disguised instanceof (native.DeviceBuffer as unknown as new () => unknown)).toBe(true);
    const asInput = await outcome(() => settleable((t) => context.run(t, new Float64Array([2, 16]), undefined, disguised as never)));
    const asTarget = await outcome(() => settleable((t) => context.run(t, new Float64Array([2, 16]), [disguised as never], new Float32Array(32))));
    const asCopyTarget = await outcome(() => settleable((t) => buffer.copyTo(t, disguised as never, 16)));
    for (const ended of [asInput, asTarget, asCopyTarget]) expect(ended).toBe('rejected'); // refused at the call
    Object.setPrototypeOf(disguised, (native.Engine as unknown as { prototype: object }).prototype);
    disguised.dispose();
  });

  it("JS run by a getter among a call's arguments cannot free memory the call already holds, and a sparse dims array is refused", async () => {
    // run(): a getter among the output targets shrank the input's buffer after its address was taken (SIGSEGV).
    type Resizable = ArrayBuffer & { resize(bytes: number): void };
    const resizable = new (ArrayBuffer as unknown as new (bytes: number, o: { maxByteLength: number }) => Resizable)(64, { maxByteLength: 1 << 20 });
    const x = new Float32Array(resizable).fill(1); // tracks the buffer's length: 16 floats now
    const targets: unknown[] = [];
    Object.defineProperty(targets, 0, { get: () => (resizable.resize(0), undefined) });
    const own = engine.createContext(); // the shared context's shapes stay as the other tests expect them
    const run = await settleable((t) => own.run(t, new Float64Array([1, 16]), targets as never, x)).catch((e: unknown) => e);
    own.dispose();
    expect(run).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/needs 64 bytes .* got 0/) });
    // build(): a getter among the options transferred the model's buffer after its address was taken.
    const onnx = new Uint8Array(getModel('mlp').onnx);
    const options = { profiles: [[{ tensor: 'x', min: [1, 16], opt: [4, 16], max: [16, 16] }]] };
    Object.defineProperty(options, 'precision', { get: () => (structuredClone(onnx.buffer, { transfer: [onnx.buffer] }), 'fp32') });
    const built = (await native.build('simulator', onnx, options as never).promise) as { plan: Uint8Array };
    expect(built.plan.byteLength).toBeGreaterThan(0); // built from the bytes as they were when the call began
    // A sparse array of length 2^32 - 1 as a profile's min: its bad_alloc aborted the process.
    const sparse: number[] = [];
    sparse.length = 2 ** 32 - 1;
    expect(() => native.build('simulator', new Uint8Array(getModel('mlp').onnx), { profiles: [[{ tensor: 'x', min: sparse, opt: [4, 16], max: [16, 16] }]] } as never))
      .toThrow(/x\.min has 4294967295 entries, more than 4096/);
  });

  it('a getter reached through another object refuses it (Illegal invocation) instead of reading it as its own', () => {
    const getter = (Class: unknown, name: string) =>
      Object.getOwnPropertyDescriptor((Class as { prototype: object }).prototype, name)!.get!;
    for (const [Class, name, receiver] of [
      [native.ExecutionContext, 'inFlight', buffer], [native.DeviceBuffer, 'byteLength', runtime], [native.Runtime, 'disposed', engine],
      [native.Engine, 'disposed', context], [native.ExecutionContext, 'disposed', {}], [native.DeviceBuffer, 'disposed', context],
    ] as const) {
      // A plain object is not wrapped at all: node-addon-api refuses it before the getter runs ('Invalid argument').
      expect(() => getter(Class, name).call(receiver), name).toThrow(/^Illegal invocation$|^Invalid argument$/);
    }
    expect(getter(native.DeviceBuffer, 'byteLength').call(buffer)).toBe(256);
  });

  it('a target whose getter disposes the context mid-call: the call ends cleanly and the run still settles', async () => {
    // The call held a reference to the wrapper's share of the context, which dispose() dropped under it (SIGSEGV).
    const own = engine.createContext();
    const targets: unknown[] = [];
    Object.defineProperty(targets, 0, { get: () => (own.dispose(), undefined) });
    targets.length = 1;
    const ended = await outcome(() => settleable((t) => own.run(t, new Float64Array([2, 16]), targets as never, new Float32Array(32))));
    expect(ended).toMatch(/resolved|rejected|threw/);
    expect(own.disposed).toBe(true);
    simulator.synchronize();
  });

  it('an output target given as a byte count is checked against the output and settles like no target', async () => {
    // lib/context.ts passes small caller arrays by their byte length and fills them from the result itself.
    const dims = new Float64Array([2, 16]); // y is [2,8] float32: 64 bytes
    const x = new Float32Array(32).fill(0.5);
    const plain = await settleable<unknown>((t) => context.run(t, dims, undefined, x));
    const counted = await settleable<unknown>((t) => context.run(t, dims, [64], x));
    const bytesOf = (v: unknown) => (typeof v === 'number' ? 'arena offset' : v instanceof ArrayBuffer ? 'ArrayBuffer' : 'dims and bytes');
    expect(bytesOf(counted)).toBe(bytesOf(plain)); // its bytes come back: the addon did not write them anywhere else
    const short = await settleable((t) => context.run(t, dims, [63], x)).catch((e: unknown) => e);
    expect(short).toMatchObject({ code: 'INVALID_INPUT', tensor: 'y', message: "output array for 'y' needs 64 bytes for [2,8], has 63" });
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) {
      const error = await settleable((t) => context.run(t, dims, [bad], x)).catch((e: unknown) => e);
      expect(error, String(bad)).toMatchObject({ code: 'INVALID_INPUT', message: "output 'y' must be a TypedArray, its byte length or a DeviceBuffer" });
    }
  });

  it('dimsBuffer: runs given undefined dims read the context\'s own; a detached view or a disposed context frees nothing under the other', async () => {
    const own = engine.createContext();
    const view = own.dimsBuffer()!;
    expect(view).toBeInstanceOf(Float64Array);
    expect(view.length).toBe(2); // x [b,16]
    const x = new Float32Array(32).fill(0.25);
    // y's 64 bytes, copied out of the settlement arena (nothing else is in flight to reuse it before this runs).
    const y = (result: unknown) => (typeof result === 'number' ? Array.from(new Float32Array(settlementArena, result, 16)) : result);
    await settleable((t) => own.run(t, new Float64Array([2, 16]), undefined, x)); // the dims as an array once: settles them
    const explicit = y(await settleable<unknown>((t) => own.run(t, new Float64Array([2, 16]), undefined, x)));
    view.set([2, 16]);
    const fromView = y(await settleable<unknown>((t) => own.run(t, undefined, undefined, x)));
    expect(fromView).toEqual(explicit); // an arena offset both times (the dims repeated), and the same values
    expect(Array.isArray(fromView) && fromView.length).toBe(16);
    view[0] = 3; // [3,16] needs 48 floats
    const short = await settleable((t) => own.run(t, undefined, undefined, x)).catch((e: unknown) => e);
    expect(short).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/input 'x' needs 192 bytes for \[3,16\]/) });
    // A transfer (Node copies an external buffer instead of detaching it today; were it detached, the context would
    // keep its share of the memory and its last values all the same).
    structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
    const stillThree = await settleable((t) => own.run(t, undefined, undefined, x)).catch((e: unknown) => e);
    expect(stillThree).toMatchObject({ code: 'INVALID_INPUT' });
    const second = own.dimsBuffer()!;
    expect(Array.from(second)).toEqual([3, 16]); // one block per context
    second[0] = 2;
    await settleable((t) => own.run(t, undefined, undefined, x));
    own.dispose();
    second[0] = 4; // the view outlives the context: its memory is its own share
    expect(second[0]).toBe(4);
    simulator.synchronize();
  });

  it('boundRun and boundPing find their context without a receiver, keep it while they live, and refuse it once disposed', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run the tests with --expose-gc (vitest config sets it)');
    simulator.synchronize();
    const contextsBefore = simulator.counters().liveContexts;
    const x = new Float32Array(32).fill(0.5);
    const expectRight = async (run: ReturnType<NativeExecutionContext['boundRun']>) => {
      const out = await settleable((t) => run.call(buffer, t, Float64Array.of(2, 16), undefined, x)); // any receiver
      const bytes = (Array.isArray(out) ? out[1] : out) as ArrayBuffer | number;
      const y = typeof bytes === 'number' ? new Float32Array(settlementArena, bytes, 16).slice() : new Float32Array(bytes);
      await expectLikeOrt(getModel('mlp').onnx, { x: { dtype: 'float32', dims: [2, 16], data: x } }, { y: { dtype: 'float32', dims: [2, 8], data: y } });
    };

    // Only the bound functions are kept: the wrapper can be collected, the context stays until they go.
    let bound: { run: ReturnType<NativeExecutionContext['boundRun']>; ping: (ticket: number) => void } | undefined =
      (() => { const own = engine.createContext(); return { run: own.boundRun(), ping: own.boundPing() }; })();
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    await expectRight(bound.run);
    await settleable((t) => bound!.ping(t));
    const seen = await fuzz(bound, ['run', 'ping']);
    expect([...seen.run!]).toContain('rejected');
    bound = undefined;
    for (let i = 0; i < 10 && simulator.counters().liveContexts > contextsBefore; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
      simulator.synchronize();
    }
    expect(simulator.counters().liveContexts).toBe(contextsBefore);

    // Disposed: the functions taken before refuse, and no new ones are given.
    const own = engine.createContext();
    const run = own.boundRun();
    const ping = own.boundPing();
    own.dispose();
    expect(await settleable((t) => run(t, Float64Array.of(2, 16), undefined, x)).catch((e: unknown) => e)).toMatchObject({ code: 'DISPOSED' });
    expect(() => ping(0)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    expect(() => own.boundRun()).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    simulator.synchronize();
    expect(simulator.counters().liveContexts).toBe(contextsBefore);
  });

  it('dims whose element count is too large to count in bytes are INVALID_INPUT naming the input', async () => {
    const error = await settleable((t) => context.run(t, new Float64Array([2 ** 53 - 1, 16]), undefined, new Float32Array(32))).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/input 'x' of \[9007199254740991,16\] would need .* bytes, more than can be counted/) });
  });

  it('installSettle refuses a resizable arena, which could shrink under the results written into it', () => {
    const resizable = new (ArrayBuffer as unknown as new (n: number, o: object) => ArrayBuffer)(1024, { maxByteLength: 4096 });
    expect(() => native.installSettle(() => {}, resizable)).toThrow('installSettle needs a fixed-length ArrayBuffer, not a resizable one');
  });

  it('a settle function that throws a non-Error, and an arena detached by JS: reported, and later runs settle safely', async () => {
    // In a child: both replace this process's settle function and arena. A thrown 42 used to be taken for a
    // terminating environment, after which nothing settled again; a detached arena's freed memory still received
    // small results, which then appeared in unrelated arrays.
    const script = `
const native = require('node-gyp-build')(process.argv[1]);
const pending = new Map();
let calls = 0;
const arena = new ArrayBuffer(65536);
native.installSettle((...batch) => {
  if (++calls === 2) throw 42; // the first settles the deserialization
  for (let i = 0; i < batch.length; i += 2) pending.get(batch[i])?.(batch[i + 1]);
}, arena);
const seen = [];
process.on('uncaughtException', (e) => seen.push('uncaught ' + String(e)));
const settled = (ticket, start) => new Promise((resolve) => { pending.set(ticket, resolve); start(ticket); });
(async () => {
  const runtime = new native.Runtime('simulator', 2);
  const context = (await settled(100, (t) => runtime.deserialize(t, Buffer.from(process.argv[2], 'base64')))).createContext();
  context.ping(0);
  await new Promise((r) => setTimeout(r, 50));
  await settled(1, (t) => context.ping(t));
  structuredClone(arena, { transfer: [arena] });
  const out = await settled(2, (t) => context.run(t, Float64Array.of(2, 16), undefined, new Float32Array(32).fill(1)));
  const bytes = Array.isArray(out) ? out[1] : out;
  console.log(JSON.stringify({ seen, bytes: bytes instanceof ArrayBuffer ? bytes.byteLength : typeof bytes }));
  context.dispose();
  runtime.dispose();
})();
`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, packageRoot, Buffer.from(plan).toString('base64')], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ seen: ['uncaught 42'], bytes: 64 });
  });
});
