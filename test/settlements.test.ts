// How promises settle (lib/settlements.ts, native/addon/completion.h): JS makes each promise and gives the addon a
// ticket; a drain settles all it finished with one call, and a small output travels through a shared arena that the
// next batch overwrites. So every result must be its own copy, whatever batches and drains the runs fell into.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { CudaTransientError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { Engine } from '../lib/index.js';
import { model, node, tensor, valueInfo } from './models/onnx-builder.js';
import { firstOutputBytes, openTicket, settleable, settleBatch, settlementArena } from '../lib/settlements.js';
import type { NativeExecutionContext } from '../binding.js';
import { simulatorEngine, simulatorPlan } from './helpers/engines.js';
import { simulator } from '../lib/testing/index.js';
import { expectLikeOrt, runOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

let runtime: Runtime;
let mlp: Engine;
let embedding: Engine;
beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  mlp = await simulatorEngine(runtime, 'mlp');
  embedding = await simulatorEngine(runtime, 'embedding');
});
afterAll(() => {
  mlp.dispose();
  embedding.dispose();
  runtime.dispose();
});

describe('settling runs in batches', () => {
  it('300 runs in flight on one context: every result is right and stays right after later batches', async () => {
    const model = getModel('mlp');
    using context = mlp.createContext();
    const feeds = Array.from({ length: 300 }, (_, i) => model.makeFeeds({ seed: 500 + i, batch: 2 })); // y: 64 bytes
    const first = await Promise.all(feeds.slice(0, 150).map((f) => context.run(f)));
    const copies = first.map((r) => Float32Array.from((r.y as Tensor<'float32'>).data));
    // More batches through the same arena: the first results must not change (they are copies, not views of it).
    const second = await Promise.all(feeds.slice(150).map((f) => context.run(f)));
    for (let i = 0; i < first.length; i++) {
      const y = first[i]!.y as Tensor<'float32'>;
      expect(y.data.buffer).not.toBe(settlementArena);
      expect(Array.from(y.data)).toEqual(Array.from(copies[i]!));
    }
    const results = [...first, ...second];
    for (let i = 0; i < results.length; i += 1) {
      const expected = await runOrt(model.onnx, feeds[i]!);
      expect(results[i]!.y!.dims).toEqual([2, 8]);
      const got = (results[i]!.y as Tensor<'float32'>).data;
      const want = expected.y!.data as Float32Array;
      for (let k = 0; k < want.length; k++) expect(Math.abs(got[k]! - want[k]!)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('several small outputs settle together in the arena: 200 runs in flight, each result its own and right', async () => {
    // gelu20: x [b,8] -> y [b,8], z [b,4]. Once the shapes repeat, both outputs of a run travel as one arena offset.
    const model = getModel('gelu20');
    using engine = await simulatorEngine(runtime, 'gelu20');
    using context = engine.createContext();
    const feeds = Array.from({ length: 200 }, (_, i) => model.makeFeeds({ seed: 700 + i, batch: 1 + (i % 3 === 0 ? 1 : 0) }));
    const zs = feeds.map((f) => new Float32Array(f.x!.dims[0]! * 4)); // half of them with z into the caller's array
    const results = await Promise.all(feeds.map((f, i) => context.run(f, i % 2 === 0 ? {} : { outputs: { z: zs[i]! } })));
    for (let i = 0; i < results.length; i++) {
      if (i % 2 === 1) expect((results[i]!.z as Tensor).data).toBe(zs[i]);
      await expectLikeOrt(model.onnx, feeds[i]!, results[i]!);
    }
  });

  it('outputs settled together keep their 8-byte places: a 3-byte bool output ahead of a float one', async () => {
    // positive = Greater(x, 0): bool [3], 3 bytes, padded to 8 in the arena; y = Relu(x): float32 [3] after it.
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [3])],
      outputs: [valueInfo('positive', 'bool', [3]), valueInfo('y', 'float32', [3])],
      initializers: [tensor('zero', 'float32', [], Float32Array.of(0))],
      nodes: [node('Greater', ['x', 'zero'], ['positive']), node('Relu', ['x'], ['y'])],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using context = engine.createContext();
    const inputs = Array.from({ length: 40 }, (_, i) => Float32Array.of(i - 20, 0.5 - (i % 3), i % 5 === 0 ? -1 : i));
    const results = await Promise.all(inputs.map((x) => context.run({ x: Tensor.from('float32', x, [3]) })));
    for (let i = 0; i < inputs.length; i++) {
      const x = Array.from(inputs[i]!);
      expect(Array.from(results[i]!.positive!.data as Uint8Array), `run ${i}`).toEqual(x.map((v) => (v > 0 ? 1 : 0)));
      expect(Array.from(results[i]!.y!.data as Float32Array), `run ${i}`).toEqual(x.map((v) => Math.max(v, 0)));
    }
  });

  it('an output above the arena limit (1 KB) arrives whole, next to small ones settled in the same batches', async () => {
    const model = getModel('embedding');
    using context = embedding.createContext();
    // hidden [8,32,16] float32 is 16 KB; [1,2,16] is 128 bytes: alternate, twice each so both shapes repeat.
    const feeds = [8, 1, 8, 1, 1, 8].map((batch, i) => model.makeFeeds({ seed: 900 + i, batch, seq: batch === 8 ? 32 : 2 }));
    const results = await Promise.all(feeds.map((f) => context.run(f)));
    for (let i = 0; i < feeds.length; i++) await expectLikeOrt(model.onnx, feeds[i]!, results[i]!);
  });

  it('firstOutputBytes (the benchmark\'s check of a bare native run) copies the bytes out while the run settles', async () => {
    // A run settles with [dims, bytes] when its output dims changed, else (as here) with the bytes' offset in the arena.
    const model = getModel('mlp');
    using context = mlp.createContext();
    const feeds = model.makeFeeds({ seed: 3, batch: 2 }); // y [2,8]: 64 bytes
    const expected = (await context.run(feeds)).y!.data as Float32Array;
    const native = (context as unknown as { native(): NativeExecutionContext }).native();
    const copyOut = { settledValue: (value: unknown) => firstOutputBytes(value, 64), settledFailure: (error: unknown) => error };
    const x = feeds.x!.data as Float32Array;
    for (let i = 0; i < 2; i++) {
      const bytes = await settleable<ArrayBuffer>((t) => native.run(t, new Float64Array([2, 16]), undefined, x), copyOut);
      expect(Array.from(new Float32Array(bytes))).toEqual(Array.from(expected));
    }
    expect(() => firstOutputBytes(undefined, 4)).toThrow(TypeError);
  });

  it('ping settles with undefined through the same path', async () => {
    using context = mlp.createContext();
    await expect(context.ping()).resolves.toBeUndefined();
  });
});

describe('settleBatch', () => {
  it('settles each ticket on its own: unknown tickets are ignored, an owner that throws rejects only its promise', async () => {
    const open = (owner?: Parameters<typeof openTicket>[2]) => {
      let ticket = -1;
      const promise = new Promise((resolve, reject) => {
        ticket = openTicket(resolve, reject, owner, 'extra');
      });
      return { ticket, promise };
    };
    const plain = open();
    const failing = open({
      settledValue: () => {
        throw new Error('owner failed');
      },
      settledFailure: (error) => error,
    });
    const seen: unknown[] = [];
    const owned = open({ settledValue: (value, extra) => (seen.push(extra), `${String(value)}!`), settledFailure: (error) => error });
    const typed = open({ settledValue: (value) => value, settledFailure: (error) => Object.assign(new Error('typed'), { cause: error }) });
    const nativeError = Object.assign(new Error('run failed'), { code: 'CUDA_ERROR', cudaError: 719 });
    settleBatch(
      123_456, 'nobody waits for this',
      plain.ticket, 1,
      failing.ticket, 2,
      owned.ticket, 3,
      ~typed.ticket, nativeError,
    );
    await expect(plain.promise).resolves.toBe(1);
    await expect(failing.promise).rejects.toThrow('owner failed');
    await expect(owned.promise).resolves.toBe('3!');
    expect(seen).toEqual(['extra']);
    await expect(typed.promise).rejects.toMatchObject({ message: 'typed', cause: nativeError }); // the owner types it
    // A settled ticket is free again: settling it once more does nothing.
    settleBatch(plain.ticket, 'again');
  });

  it('settleable with an owner: the owner turns the value, and a failure is the owner\'s error, typed', async () => {
    // As the bench's (ar) uses it (through tensorrt-node/testing's nativeCall): a result built when the ticket
    // settles, with no .then per call.
    const owner = { settledValue: (value: unknown) => ({ doubled: (value as number) * 2 }), settledFailure: (error: unknown) => error };
    let ticket = -1;
    const fulfilled = settleable((t) => (ticket = t), owner);
    settleBatch(ticket, 21);
    await expect(fulfilled).resolves.toEqual({ doubled: 42 });
    const nativeError = Object.assign(new Error('IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (unspecified launch failure)'), {
      code: 'CUDA_ERROR',
      cudaError: 719,
    });
    const rejected = settleable((t) => (ticket = t), owner);
    settleBatch(~ticket, nativeError);
    await expect(rejected).rejects.toMatchObject({ code: 'CUDA_STICKY', cudaError: 719 }); // fromNative typed it
  });

  it('two copies of the package in one thread (its CJS build next to these sources) share the addon and both settle', async () => {
    // Both load the same addon, whose one settle function the copy loaded last installs: the tickets of each copy
    // must still settle, with each copy's own error classes.
    const require = createRequire(import.meta.url);
    const other = require('../dist/index.cjs') as typeof import('../lib/index.js');
    expect(other.Runtime).not.toBe(Runtime);
    const plan = await simulatorPlan('mlp');
    const otherRuntime = other.Runtime.create({ backend: 'simulator' });
    try {
      const otherEngine = await otherRuntime.deserialize(plan);
      const model = getModel('mlp');
      const feeds = Array.from({ length: 20 }, (_, i) => model.makeFeeds({ seed: 70 + i, batch: 1 }));
      using mine = mlp.createContext();
      const theirs = otherEngine.createContext();
      const results = await Promise.all(feeds.map((f, i) => (i % 2 ? theirs : mine).run(f)));
      for (let i = 0; i < feeds.length; i++) await expectLikeOrt(model.onnx, feeds[i]!, results[i]!);
      simulator.injectFault({ kind: 'enqueue' });
      await expect(theirs.run(feeds[0]!)).rejects.toBeInstanceOf(other.CudaTransientError);
      simulator.injectFault({ kind: 'enqueue' });
      await expect(mine.run(feeds[0]!)).rejects.toBeInstanceOf(CudaTransientError);
      theirs.dispose();
      otherEngine.dispose();
    } finally {
      otherRuntime.dispose();
    }
  });
});
