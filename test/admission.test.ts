// A CUDA stream's launch queue is bounded: once it is full, the next launch blocks the calling thread, which for
// context.run() is the JS thread. So a context hands at most maxRunsInFlight runs to its stream and keeps the rest
// waiting in JS. The simulator's stream queue blocks like CUDA's and counts it (blockedLaunches).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, buildEngine, defaultMaxRunsInFlight } from '../lib/index.js';
import type { Engine } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { simulatorEngine } from './helpers/engines.js';
import { getModel } from './models/index.js';
import type { Feeds } from './models/index.js';
import { model, node, tensor, valueInfo } from './models/onnx-builder.js';

let runtime: Runtime;
let engine: Engine;
const mlp = getModel('mlp');
beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'mlp');
});
afterAll(() => {
  engine.dispose();
  runtime.dispose();
});

const feedsFor = (i: number): Feeds => mlp.makeFeeds({ seed: 100 + i, batch: 1 + (i % 4) });
const copyOf = (feeds: Feeds): Feeds => ({ x: { ...feeds.x!, data: (feeds.x!.data as Float32Array).slice() } });

describe('admission: at most maxRunsInFlight runs on a context stream', () => {
  it('later runs wait in JS, settle in call order, and use their inputs as they were at the call', async () => {
    using context = engine.createContext({ maxRunsInFlight: 4 });
    const feeds = Array.from({ length: 40 }, (_, i) => feedsFor(i));
    const asCalled = feeds.map(copyOf);
    const settleOrder: number[] = [];
    const runs = feeds.map((f, i) => context.run(f).then((r) => (settleOrder.push(i), r)));
    expect(context.waitingRuns).toBe(36);
    expect(context.inFlight).toBe(40);
    // The caller may reuse its arrays as soon as run() returns, whether the run was admitted or waits.
    for (const f of feeds) (f.x!.data as Float32Array).fill(Number.NaN);
    const results = await Promise.all(runs);
    expect(settleOrder).toEqual(feeds.map((_, i) => i));
    expect(context.waitingRuns).toBe(0);
    expect(context.inFlight).toBe(0);
    for (let i = 0; i < results.length; i++) await expectLikeOrt(mlp.onnx, asCalled[i]!, results[i]!);
  });

  it('a burst on one context never fills the stream queue (without the limit it blocks the JS thread)', async () => {
    // The first kernel holds the stream, so every later run's copies, kernels and callback stay queued. Without a
    // limit the hold must outlast the submissions that fill the queue: long, since under the sanitizers (test:native)
    // a submission can take a millisecond; the JS thread then sits blocked for the rest of it, which is the point.
    const burst = async (maxRunsInFlight: number | undefined, holdMillis: number): Promise<number> => {
      using context = engine.createContext(maxRunsInFlight === undefined ? {} : { maxRunsInFlight });
      simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: holdMillis });
      const before = simulator.counters().blockedLaunches;
      const feeds = Array.from({ length: 600 }, (_, i) => feedsFor(i));
      const results = await Promise.all(feeds.map((f) => context.run(f)));
      for (const i of [0, 299, 599]) await expectLikeOrt(mlp.onnx, feeds[i]!, results[i]!);
      return simulator.counters().blockedLaunches - before;
    };
    expect(await burst(undefined, 100)).toBe(0); // the default, 64 for this engine
    expect(await burst(100_000, 1000)).toBeGreaterThan(0); // what the limit prevents: the simulator blocks as CUDA does
  });

  it('the default fits the engine: a deep engine gets fewer runs, so its bursts never fill the queue either', async () => {
    // x -> (Add c_k, Relu) x 60 -> y: 120 layers, so a run queues 123 items (a copy in, 120 kernels, a copy out,
    // the callback) and the default is floor(1024 / 123) = 8 runs instead of 64.
    const depth = 60;
    const c = Float32Array.from({ length: 16 }, (_, i) => ((i % 5) - 2) / 64);
    const nodes = [];
    let last = 'x';
    for (let k = 0; k < depth; k++) {
      nodes.push(node('Add', [last, 'c'], [`a${k}`]), node('Relu', [`a${k}`], [k === depth - 1 ? 'y' : `r${k}`]));
      last = `r${k}`;
    }
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['batch', 16])],
      outputs: [valueInfo('y', 'float32', ['batch', 16])],
      initializers: [tensor('c', 'float32', [16], c)],
      nodes,
    });
    using deep = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [{ x: { min: [1, 16], opt: [1, 16], max: [4, 16] } }] }));
    expect(deep.layers).toBe(2 * depth);
    expect(defaultMaxRunsInFlight(deep)).toBe(8);
    expect(defaultMaxRunsInFlight(engine)).toBe(64); // the MLP's 3 layers: 6 items a run
    const burst = async (maxRunsInFlight: number | undefined, holdMillis: number): Promise<number> => {
      using context = deep.createContext(maxRunsInFlight === undefined ? {} : { maxRunsInFlight });
      expect(context.maxRunsInFlight).toBe(maxRunsInFlight ?? 8);
      simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: holdMillis });
      const before = simulator.counters().blockedLaunches;
      const feeds = Array.from({ length: 40 }, (_, i) => feedsFor(i));
      const results = await Promise.all(feeds.map((f) => context.run(f)));
      for (const i of [0, 39]) await expectLikeOrt(onnx, feeds[i]!, results[i]!);
      return simulator.counters().blockedLaunches - before;
    };
    expect(await burst(undefined, 50)).toBe(0);
    expect(await burst(64, 1000)).toBeGreaterThan(0); // the fixed default this replaced: 64 runs of 123 items block
  });

  it('after dispose(), admitted runs complete and waiting runs reject with DISPOSED', async () => {
    const context = engine.createContext({ maxRunsInFlight: 2 });
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 50 });
    const feeds = Array.from({ length: 10 }, (_, i) => feedsFor(i));
    const runs = feeds.map((f) => context.run(f));
    context.dispose();
    // A run called after dispose() is refused at once; it does not wait behind the others.
    await expect(context.run(feedsFor(10))).rejects.toMatchObject({ code: 'DISPOSED' });
    expect(context.waitingRuns).toBe(8);
    const settled = await Promise.allSettled(runs);
    expect(settled.map((s) => s.status)).toEqual([...Array(2).fill('fulfilled'), ...Array(8).fill('rejected')]);
    for (const s of settled.slice(2)) expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'DISPOSED' });
    for (let i = 0; i < 2; i++) await expectLikeOrt(mlp.onnx, feeds[i]!, (settled[i] as PromiseFulfilledResult<Record<string, unknown>>).value);
  });

  it('bad input fails at the call even when the run would wait, and takes no place', async () => {
    using context = engine.createContext({ maxRunsInFlight: 1 });
    const first = context.run(feedsFor(0));
    const bad = context.run({ x: { dtype: 'float32', dims: [1, 15], data: new Float32Array(15) } });
    expect(context.waitingRuns).toBe(0);
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_INPUT', tensor: 'x' });
    const second = context.run(feedsFor(1));
    expect(context.waitingRuns).toBe(1);
    // Waiting runs were checked against the current profile, so it cannot change under them.
    expect(() => context.setProfile(0)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('wait for admission') }));
    await expectLikeOrt(mlp.onnx, feedsFor(0), await first);
    await expectLikeOrt(mlp.onnx, feedsFor(1), await second);
    context.setProfile(0); // nothing waits any more
  });

  it.each([0, -1, 1.5, Number.NaN, '4'])('maxRunsInFlight %s is INVALID_ARGUMENT', (value) => {
    expect(() => engine.createContext({ maxRunsInFlight: value as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('maxRunsInFlight') }));
  });
});
