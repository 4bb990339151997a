// engine.createContextAsync(): TensorRT's createExecutionContext allocates a context's activation memory and sets up
// its kernels, milliseconds to a second for large engines. The simulator can make it take that long
// (setContextCreateDelay), which shows, by the order in which a timer and the creation finish, whether the JS thread
// waited for it. Results are checked against onnxruntime.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, Tensor } from '../lib/index.js';
import type { Engine, ExecutionContext, TensorRTNodeError } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { PROFILES, simulatorEngine } from './helpers/engines.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

const mlp = getModel('mlp');
let runtime: Runtime;
let engine: Engine;

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'mlp', [PROFILES.mlp!, { x: { min: [1, 16], opt: [20, 16], max: [32, 16] } }]);
});
afterEach(() => {
  simulator.setContextCreateDelay(0);
  simulator.clearFaults();
});
afterAll(() => {
  engine.dispose();
  runtime.dispose();
});

async function expectWorks(context: ExecutionContext, batch: number, seed: number) {
  const feeds = mlp.makeFeeds({ batch, seed });
  const x = Tensor.from('float32', feeds.x!.data as Float32Array, feeds.x!.dims);
  await expectLikeOrt(mlp.onnx, feeds, await context.run({ x }));
}

/** Which finished first: a timer of `timerMs` started just before `start`, or `start`'s work. */
async function firstToFinish(timerMs: number, start: () => unknown): Promise<string[]> {
  const order: string[] = [];
  const timer = new Promise<void>((resolve) => setTimeout(() => { order.push('timer'); resolve(); }, timerMs));
  const work = Promise.resolve(start()).then((value) => { order.push('created'); return value; });
  const [, created] = await Promise.all([timer, work]);
  (created as ExecutionContext).dispose();
  return order;
}

describe('engine.createContextAsync', () => {
  it('makes a context that runs like one from createContext, with its options applied', async () => {
    using context = await engine.createContextAsync({ profile: 1, enqueueOn: 'launcher', cudaGraph: true, maxRunsInFlight: 3 });
    expect([context.profile, context.enqueueOn, context.maxRunsInFlight]).toEqual([1, 'launcher', 3]);
    for (const seed of [1, 2, 3]) await expectWorks(context, 24, seed); // 24 fits profile 1 only
  });

  it('leaves the JS thread free while TensorRT creates the context; createContext holds it', async () => {
    simulator.setContextCreateDelay(300);
    expect(await firstToFinish(20, () => engine.createContextAsync())).toEqual(['timer', 'created']);
    expect(await firstToFinish(20, () => engine.createContext())).toEqual(['created', 'timer']);
  });

  it('creates many at once on one engine, each its own context', async () => {
    simulator.synchronize();
    const before = simulator.counters();
    const contexts = await Promise.all(Array.from({ length: 8 }, () => engine.createContextAsync()));
    try {
      expect(simulator.counters().liveContexts - before.liveContexts).toBe(8);
      expect(simulator.counters().liveStreams - before.liveStreams).toBe(8);
      await Promise.all(contexts.map((c, i) => expectWorks(c, 1 + i, 10 + i)));
    } finally {
      for (const c of contexts) c.dispose();
    }
    simulator.synchronize();
    expect(simulator.counters().liveContexts).toBe(before.liveContexts);
  });

  it('a burst of creations queues for at most 4 background threads instead of starting one each', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const named = () => readdirSync('/proc/self/task').filter((t) => {
      try {
        return readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'trtn-background';
      } catch {
        return false; // a thread that ended while listed
      }
    }).length;
    simulator.setContextCreateDelay(20); // one engine creates one context at a time: about 320 ms for all 16
    const creating = Promise.all(Array.from({ length: 16 }, () => engine.createContextAsync()));
    await new Promise((r) => setTimeout(r, 60));
    // A thread per job would show 16 here, most waiting for the engine. The fewest of a few looks: a thread that a
    // pool thread starts (a stream's worker) carries the pool's name until it renames itself a moment later.
    let whileBusy = Infinity;
    for (let i = 0; i < 5; i++) {
      whileBusy = Math.min(whileBusy, named());
      await new Promise((r) => setTimeout(r, 5));
    }
    const contexts = await creating;
    try {
      expect(whileBusy).toBeGreaterThanOrEqual(1);
      expect(whileBusy).toBeLessThanOrEqual(4);
      expect(named()).toBe(whileBusy); // kept for later jobs
      await Promise.all(contexts.map((c, i) => expectWorks(c, 1 + (i % 16), 40 + i)));
    } finally {
      for (const c of contexts) c.dispose();
    }
  });

  it('rejects, never throws: bad options before anything is made, OUT_OF_MEMORY from TensorRT, DISPOSED engines', async () => {
    simulator.synchronize();
    const before = simulator.counters();
    const bad = engine.createContextAsync({ enqueueOn: 'js' as never });
    expect(bad).toBeInstanceOf(Promise);
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^createContextAsync: enqueueOn must be/) });
    await expect(engine.createContextAsync({ profile: 7 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    simulator.injectFault({ kind: 'context-create' });
    const oom = (await engine.createContextAsync().catch((e: unknown) => e)) as TensorRTNodeError;
    expect(oom.code).toBe('OUT_OF_MEMORY');

    const other = await simulatorEngine(runtime, 'mlp');
    other.dispose();
    await expect(other.createContextAsync()).rejects.toMatchObject({ code: 'DISPOSED' });
    simulator.synchronize();
    const after = simulator.counters();
    expect([after.liveContexts, after.liveStreams, after.liveDeviceAllocations])
      .toEqual([before.liveContexts, before.liveStreams, before.liveDeviceAllocations]);
  });
});
