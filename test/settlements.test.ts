// How promises settle (lib/settlements.ts, native/addon/completion.h): JS makes each promise and gives the addon a
// ticket; a drain settles all it finished with one call, and a small output travels through a shared arena that the
// next batch overwrites. So every result must be its own copy, whatever batches and drains the runs fell into.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../lib/index.js';
import type { Engine, Tensor } from '../lib/index.js';
import { openTicket, settleBatch, settlementArena } from '../lib/settlements.js';
import { simulatorEngine } from './helpers/engines.js';
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

  it('an output above the arena limit (1 KB) arrives whole, next to small ones settled in the same batches', async () => {
    const model = getModel('embedding');
    using context = embedding.createContext();
    // hidden [8,32,16] float32 is 16 KB; [1,2,16] is 128 bytes: alternate, twice each so both shapes repeat.
    const feeds = [8, 1, 8, 1, 1, 8].map((batch, i) => model.makeFeeds({ seed: 900 + i, batch, seq: batch === 8 ? 32 : 2 }));
    const results = await Promise.all(feeds.map((f) => context.run(f)));
    for (let i = 0; i < feeds.length; i++) await expectLikeOrt(model.onnx, feeds[i]!, results[i]!);
  });

  it('ping settles with undefined through the same path', async () => {
    using context = mlp.createContext();
    await expect(context.ping()).resolves.toBeUndefined();
  });
});

describe('settleBatch', () => {
  it('settles each ticket on its own: unknown tickets are ignored, an owner that throws rejects only its promise', async () => {
    const settle = (owner?: Parameters<typeof openTicket>[2]) => {
      let ticket = -1;
      const promise = new Promise((resolve, reject) => {
        ticket = openTicket(resolve, reject, owner, 'extra');
      });
      return { ticket, promise };
    };
    const plain = settle();
    const failing = settle({
      settledValue: () => {
        throw new Error('owner failed');
      },
      settledFailure: () => {},
    });
    const seen: unknown[] = [];
    const owned = settle({ settledValue: (value, extra) => (seen.push(extra), `${String(value)}!`), settledFailure: () => {} });
    const rejected = settle();
    settleBatch(
      123_456, 'nobody waits for this',
      plain.ticket, 1,
      failing.ticket, 2,
      owned.ticket, 3,
      ~rejected.ticket, Object.assign(new Error('run failed'), { code: 'CUDA_ERROR', cudaError: 719 }),
    );
    await expect(plain.promise).resolves.toBe(1);
    await expect(failing.promise).rejects.toThrow('owner failed');
    await expect(owned.promise).resolves.toBe('3!');
    expect(seen).toEqual(['extra']);
    await expect(rejected.promise).rejects.toMatchObject({ code: 'CUDA_STICKY', retryable: false }); // typed by fromNative: 719 poisons a GPU
    // A settled ticket is free again: settling it once more does nothing.
    settleBatch(plain.ticket, 'again');
  });
});
