// Host output targets: `run(feeds, { outputs: { y: someFloat32Array } })` copies the output into the caller's array
// instead of allocating one per run. The values must equal onnxruntime's, the returned Tensor must be that memory,
// a shorter shape gets a view of the array, and a wrong or too small array is INVALID_INPUT before anything runs.
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, Runtime, Tensor } from '../lib/index.js';
import type { Engine, ExecutionContext } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { expectLikeOrt as expectLikeOrtOf } from './helpers/ort.js';
import { getModel } from './models/index.js';
import { simulatorEngine } from './helpers/engines.js';

let runtime: Runtime;
let engine: Engine;
let context: ExecutionContext;
beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
  context = engine.createContext();
});
afterAll(() => {
  context.dispose();
  engine.dispose();
  runtime.dispose();
});

const model = () => getModel('gelu20');
const x = (batch: number, seed: number) => {
  const f = model().makeFeeds({ seed, batch });
  return Tensor.from('float32', f.x!.data as Float32Array, f.x!.dims);
};

const expectLikeOrt = (feeds: { x: Tensor }, out: Readonly<Record<string, unknown>>) => expectLikeOrtOf(model().onnx, feeds, out);

describe('host output targets', () => {
  it('writes each run into the same caller arrays, and the results are those arrays', async () => {
    const y = new Float32Array(16);
    const z = new Float32Array(8);
    for (let seed = 1; seed <= 4; seed++) {
      const feeds = { x: x(2, seed) };
      const out = (await context.run(feeds, { outputs: { y, z } })) as Record<string, Tensor>;
      expect(out.y!.data).toBe(y);
      expect(out.z!.data).toBe(z);
      expect(out.y!.dims).toEqual([2, 8]);
      await expectLikeOrt(feeds, out);
    }
  });

  it('runs in flight together each fill their own arrays', async () => {
    const ys = Array.from({ length: 4 }, () => new Float32Array(16));
    const feeds = ys.map((_, i) => ({ x: x(2, 20 + i) }));
    simulator.injectFault({ kind: 'slow-kernel', count: 2, millis: 5 }); // keep the first runs on the device a while
    const outs = (await Promise.all(ys.map((y, i) => context.run(feeds[i]!, { outputs: { y } })))) as Record<string, Tensor>[];
    for (let i = 0; i < ys.length; i++) {
      expect(outs[i]!.y!.data).toBe(ys[i]);
      await expectLikeOrt(feeds[i]!, outs[i]!);
    }
  });

  it('one output into an array, the other allocated as usual', async () => {
    const z = new Float32Array(8);
    const feeds = { x: x(2, 9) };
    const out = (await context.run(feeds, { outputs: { z } })) as Record<string, Tensor>;
    expect(out.z!.data).toBe(z);
    expect(out.y!.data).not.toBe(z);
    await expectLikeOrt(feeds, out);
  });

  it('a smaller shape than the array holds gets a view of its first elements', async () => {
    const y = new Float32Array(8 * 8);
    const feeds = { x: x(3, 5) };
    const out = (await context.run(feeds, { outputs: { y } })) as Record<string, Tensor>;
    expect(out.y!.dims).toEqual([3, 8]);
    expect(out.y!.data.length).toBe(24);
    expect((out.y!.data as Float32Array).buffer).toBe(y.buffer);
    await expectLikeOrt(feeds, out);
  });

  it('options.outputs is read once, at the call: one options object reused and changed while runs are in flight', async () => {
    // Found by fuzzing: the targets were read again when a run settled, so every result wrapped the array assigned
    // last (whose values were another run's), a deleted key gave a Tensor over nothing, and a getter ran twice.
    const options: { outputs: Record<string, Float32Array> } = { outputs: {} };
    const ys = Array.from({ length: 3 }, () => new Float32Array(16));
    const feeds = ys.map((_, i) => ({ x: x(2, 40 + i) }));
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 20 }); // all three are called before any settles
    const pending = ys.map((y, i) => {
      options.outputs.y = y;
      return context.run(feeds[i]!, options);
    });
    delete options.outputs.y;
    const outs = (await Promise.all(pending)) as Record<string, Tensor>[];
    for (let i = 0; i < ys.length; i++) {
      expect(outs[i]!.y!.data).toBe(ys[i]);
      await expectLikeOrt(feeds[i]!, outs[i]!);
    }
    let reads = 0;
    const y = new Float32Array(16);
    const out = (await context.run(feeds[0]!, { outputs: { get y() { reads++; return y; } } })) as Record<string, Tensor>;
    expect(out.y!.data).toBe(y);
    expect(reads).toBe(1);
  });

  it('runs waiting for admission keep the targets of their call, too', async () => {
    using one = engine.createContext({ maxRunsInFlight: 1 });
    const options: { outputs: Record<string, Float32Array> } = { outputs: {} };
    const ys = Array.from({ length: 3 }, () => new Float32Array(16));
    const feeds = ys.map((_, i) => ({ x: x(2, 50 + i) }));
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 20 });
    const pending = ys.map((y, i) => {
      options.outputs.y = y;
      return one.run(feeds[i]!, options);
    });
    expect(one.waitingRuns).toBe(2);
    options.outputs.y = new Float32Array(3); // too short: had it been read at admission, those runs would fail
    const outs = (await Promise.all(pending)) as Record<string, Tensor>[];
    for (let i = 0; i < ys.length; i++) {
      expect(outs[i]!.y!.data).toBe(ys[i]);
      await expectLikeOrt(feeds[i]!, outs[i]!);
    }
  });

  it('a longer array of a subclass gets a plain view: the subclass\'s code does not run at settle', async () => {
    class Guarded extends Float32Array {
      static get [Symbol.species](): never {
        throw new Error('the species constructor ran');
      }
    }
    const y = new Guarded(8 * 8);
    const feeds = { x: x(2, 61) };
    const out = (await context.run(feeds, { outputs: { y } })) as Record<string, Tensor>;
    expect(out.y!.data.length).toBe(16);
    expect((out.y!.data as Float32Array).buffer).toBe(y.buffer);
    await expectLikeOrt(feeds, out);
  });

  it('takes a Float32Array of another realm, and refuses an object that only has Float32Array\'s prototype', async () => {
    const y = runInNewContext('new Float32Array(16)') as Float32Array;
    expect(y instanceof Float32Array).toBe(false);
    const feeds = { x: x(2, 71) };
    const out = (await context.run(feeds, { outputs: { y } })) as Record<string, Tensor>;
    expect(out.y!.data.buffer).toBe(y.buffer);
    await expectLikeOrt(feeds, out);
    const impostor = Object.create(Float32Array.prototype) as Float32Array;
    const error = await context.run(feeds, { outputs: { y: impostor } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ tensor: 'y', expected: 'Float32Array' });
  });

  it('an array whose subclass lies about its size is taken at its real size', async () => {
    // Small arrays are filled here rather than by the addon; their size is read through TypedArray's own getter.
    class Lying extends Float32Array {
      override get byteLength(): number {
        return 64; // what y [2,8] needs
      }
      override get length(): number {
        return 16;
      }
    }
    const feeds = { x: x(2, 72) };
    const short = await context.run(feeds, { outputs: { y: new Lying(2) } }).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(InvalidInputError);
    expect((short as Error).message).toBe("output array for 'y' needs 64 bytes for [2,8], has 8");
    const long = new Lying(64);
    const out = (await context.run(feeds, { outputs: { y: long } })) as Record<string, Tensor>;
    expect(out.y!.data.buffer).toBe(long.buffer);
    await expectLikeOrt(feeds, { ...out, y: Tensor.from('float32', new Float32Array(long.buffer, 0, 16), [2, 8]) });
  });

  it('an array too short for the shape is INVALID_INPUT naming the output, before anything is enqueued', async () => {
    const enqueues = simulator.counters().enqueues;
    const error = await context.run({ x: x(4, 1) }, { outputs: { y: new Float32Array(16) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ tensor: 'y' });
    expect((error as Error).message).toMatch(/output array for 'y' needs 128 bytes for \[4,8\], has 64/);
    expect(simulator.counters().enqueues).toBe(enqueues);
  });

  it('an array of another type than the output dtype is INVALID_INPUT with the expected type', async () => {
    const error = await context.run({ x: x(2, 1) }, { outputs: { y: new Int32Array(16) } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ tensor: 'y', expected: 'Float32Array', actual: expect.stringMatching(/Int32Array/) });
  });

  it('a large output (16 KB) and a small one both fill the caller\'s array, and both refuse a detached one', async () => {
    // embedding: hidden [batch, seq, 16] float32; [8,32,16] is 16 KB, [1,2,16] 128 bytes.
    const zoo = getModel('embedding');
    using big = await simulatorEngine(runtime, 'embedding');
    using ctx = big.createContext();
    for (const [batch, seq] of [[8, 32], [1, 2]] as const) {
      const hidden = new Float32Array(batch * seq * 16);
      for (const seed of [1, 2]) {
        const feeds = zoo.makeFeeds({ seed, batch, seq });
        const out = (await ctx.run(feeds, { outputs: { hidden } })) as Record<string, Tensor>;
        expect(out.hidden!.data).toBe(hidden);
        await expectLikeOrtOf(zoo.onnx, feeds, out);
      }
      const detached = new Float32Array(batch * seq * 16);
      simulator.injectFault({ kind: 'slow-kernel', millis: 20 });
      const run = ctx.run(zoo.makeFeeds({ seed: 3, batch, seq }), { outputs: { hidden: detached } });
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      const error = await run.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/array given for output 'hidden' was detached or shrunk before the run finished/);
    }
  });

  it('an array detached while the run is on the device rejects the run, and the context keeps working', async () => {
    const y = new Float32Array(16);
    simulator.injectFault({ kind: 'slow-kernel', millis: 20 });
    const run = context.run({ x: x(2, 1) }, { outputs: { y } });
    structuredClone(y.buffer, { transfer: [y.buffer] }); // detaches y
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(/array given for output 'y' was detached or shrunk before the run finished/);
    const feeds = { x: x(2, 2) };
    await expectLikeOrt(feeds, await context.run(feeds));
  });
});
