// Many runs at once: 64 requests over 4 contexts of one engine, each with its own inputs and shape, all correct;
// and the JS thread stays free while the device works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../lib/index.js';
import type { Engine } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';
import { simulatorEngine } from './helpers/engines.js';

let runtime: Runtime;
let engine: Engine;
beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'embedding');
});
afterAll(() => {
  engine.dispose();
  runtime.dispose();
});

describe('concurrent runs', () => {
  // Idle stream workers poll for new work by default (a GPU needs no OS wake-up); with polling off every submission
  // to an idle stream wakes a sleeping thread. Both hand-offs must lose nothing.
  it.each([
    ['polling', 50],
    ['sleeping', 0],
  ])('64 runs over 4 contexts, mixed shapes, each result matches onnxruntime (idle workers %s)', async (_, spinMicros) => {
    const before = simulator.setStreamSpin(spinMicros);
    expect(before).toBe(Number(process.env.TRTSIM_STREAM_SPIN_US || 50)); // the default, restored below
    try {
      await sixtyFourRunsOverFourContexts();
    } finally {
      expect(simulator.setStreamSpin(before)).toBe(spinMicros);
    }
  });

  async function sixtyFourRunsOverFourContexts(): Promise<void> {
    const model = getModel('embedding');
    const contexts = Array.from({ length: 4 }, () => engine.createContext());
    const requests = Array.from({ length: 64 }, (_, i) => model.makeFeeds({ seed: 1000 + i, batch: 1 + (i % 8), seq: 1 + ((i * 7) % 32) }));
    const results = await Promise.all(requests.map((feeds, i) => contexts[i % 4]!.run(feeds)));
    expect(contexts.map((c) => c.inFlight)).toEqual([0, 0, 0, 0]);
    for (let i = 0; i < requests.length; i++) await expectLikeOrt(model.onnx, requests[i]!, results[i]!);
    for (const c of contexts) c.dispose();
  }

  it('the event loop keeps turning while slow kernels run (nothing blocks the JS thread)', async () => {
    const context = engine.createContext();
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 1000 }); // long enough for any machine's hiccups
    const feeds = getModel('embedding').makeFeeds({ seed: 3 });
    const before = simulator.counters().kernelsExecuted;
    const run = context.run(feeds);
    // run() returned before the first kernel finished: it only queued the work.
    expect(simulator.counters().kernelsExecuted).toBe(before);
    let settled = false;
    void run.then(() => (settled = true));
    // The loop turns meanwhile: a callback scheduled now runs while the kernels are still executing.
    const duringRun = await new Promise<{ settled: boolean; kernels: number }>((resolve) =>
      setImmediate(() => resolve({ settled, kernels: simulator.counters().kernelsExecuted - before })),
    );
    expect(duringRun).toEqual({ settled: false, kernels: 0 });
    const result = await run;
    expect(simulator.counters().kernelsExecuted - before).toBeGreaterThanOrEqual(4); // the embedding model's layers
    await expectLikeOrt(getModel('embedding').onnx, feeds, result);
    context.dispose();
  });

  it('two runs with different shapes in flight on one context keep their own shapes', async () => {
    const context = engine.createContext();
    const model = getModel('embedding');
    const small = model.makeFeeds({ seed: 5, batch: 1, seq: 2 });
    const large = model.makeFeeds({ seed: 6, batch: 8, seq: 30 });
    const [a, b] = await Promise.all([context.run(small), context.run(large)]);
    expect(a.hidden!.dims).toEqual([1, 2, 16]);
    expect(b.hidden!.dims).toEqual([8, 30, 16]);
    await expectLikeOrt(model.onnx, small, a); // and their own values
    await expectLikeOrt(model.onnx, large, b);
    context.dispose();
  });
});

describe('one-output engines (results carry their dims only when they change)', () => {
  it('interleaved shapes in flight each come back with their own dims and values', async () => {
    const mlp = await simulatorEngine(runtime, 'mlp');
    const context = mlp.createContext();
    const model = getModel('mlp');
    const batches = [1, 1, 3, 3, 3, 16, 1, 16, 16, 2];
    const feeds = batches.map((batch, i) => model.makeFeeds({ seed: 50 + i, batch }));
    const results = await Promise.all(feeds.map((f) => context.run(f)));
    for (let i = 0; i < batches.length; i++) {
      expect(results[i]!.y!.dims).toEqual([batches[i], 8]);
      await expectLikeOrt(model.onnx, feeds[i]!, results[i]!);
    }
    context.dispose();
    mlp.dispose();
  });
});
