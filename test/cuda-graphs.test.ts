// CUDA graphs (createContext({ cudaGraph: true })): enqueueV3 is captured once its bindings repeat and replayed with
// one cudaGraphLaunch per run. The simulator counts TensorRT's enqueueV3 calls and graph launches, so each test can
// tell a replay from a plain launch; every result is checked against onnxruntime-node.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, Tensor } from '../lib/index.js';
import type { Engine } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorEngine } from './helpers/engines.js';
import { injectStickyFault } from './helpers/faults.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

const model = getModel('embedding'); // Gather, LayerNormalization, MatMul, ReduceMean: several kernels per run
let runtime: Runtime;
let engine: Engine;

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'embedding');
});
afterEach(() => simulator.clearFaults());
afterAll(() => {
  engine.dispose();
  runtime.dispose(); // no graph, executable graph or context may be left: test/setup/leak-check.ts
});

/** TensorRT enqueueV3 calls and graph launches made while `body` runs. */
async function counted(body: () => Promise<void>): Promise<{ enqueues: number; graphLaunches: number }> {
  const before = simulator.counters();
  await body();
  const after = simulator.counters();
  return { enqueues: after.enqueues - before.enqueues, graphLaunches: after.graphLaunches - before.graphLaunches };
}

describe('CUDA graphs', () => {
  it('repeated runs with the same shapes replay one captured graph: TensorRT enqueues twice in ten runs', async () => {
    using context = engine.createContext({ cudaGraph: true });
    const n = await counted(async () => {
      for (let seed = 0; seed < 10; seed++) {
        const feeds = model.makeFeeds({ seed, batch: 2, seq: 7 }); // new values each run, same shape
        await expectLikeOrt(model.onnx, feeds, await context.run(feeds));
      }
    });
    // Run 1: a plain enqueue (NVIDIA's advice after a shape change); run 2: the capture, then its launch; 3-10: replays.
    expect(n).toEqual({ enqueues: 2, graphLaunches: 9 });
  });

  it('a new shape goes back to a plain enqueue, captures again once it repeats, and every result is right', async () => {
    using context = engine.createContext({ cudaGraph: true });
    const shapes = [[2, 5], [2, 5], [2, 5], [3, 9], [3, 9], [3, 9], [2, 5]] as const;
    const n = await counted(async () => {
      for (const [i, [batch, seq]] of shapes.entries()) {
        const feeds = model.makeFeeds({ seed: 100 + i, batch, seq });
        await expectLikeOrt(model.onnx, feeds, await context.run(feeds));
      }
    });
    // [2,5]: plain, capture, replay; [3,9]: plain, capture, replay; [2,5] again: plain (one graph per context).
    expect(n).toEqual({ enqueues: 5, graphLaunches: 4 });
  });

  it('runs in flight back to back, and without the option nothing is captured', async () => {
    using graphs = engine.createContext({ cudaGraph: true });
    using plain = engine.createContext();
    const requests = Array.from({ length: 16 }, (_, i) => model.makeFeeds({ seed: 200 + i, batch: 4, seq: 16 }));
    const withGraphs = await counted(async () => {
      const results = await Promise.all(requests.map((feeds) => graphs.run(feeds)));
      for (let i = 0; i < requests.length; i++) await expectLikeOrt(model.onnx, requests[i]!, results[i]!);
    });
    expect(withGraphs).toEqual({ enqueues: 2, graphLaunches: 15 });
    const without = await counted(async () => {
      for (const feeds of requests.slice(0, 4)) await plain.run(feeds);
    });
    expect(without).toEqual({ enqueues: 4, graphLaunches: 0 });
  });

  it('device tensors at other addresses are bound anew, so a graph never writes into the previous run\'s tensor', async () => {
    using gelu = await simulatorEngine(runtime, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
    using context = gelu.createContext({ cudaGraph: true });
    using reference = gelu.createContext();
    const ys = [await runtime.createDeviceTensor('float32', [2, 8]), await runtime.createDeviceTensor('float32', [2, 8])];
    using z = await runtime.createDeviceTensor('float32', [2, 4]);
    const xs = Array.from({ length: 6 }, (_, k) => Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => Math.cos(k + i)), [2, 8]));
    // y alternates between two tensors: the addresses change every run, so no capture may be replayed.
    for (let k = 0; k < xs.length; k++) await context.run({ x: xs[k]! }, { outputs: { y: ys[k % 2]!, z } });
    for (const [slot, k] of [[0, 4], [1, 5]] as const) {
      const expected = ((await reference.run({ x: xs[k]! })).y as Tensor).data as Float32Array;
      expect(Array.from((await ys[slot]!.toTensor()).data)).toEqual(Array.from(expected));
    }
    for (const y of ys) y.dispose();
  });

  it('a capture that fails leaves the context on plain enqueues for good, with every run right', async () => {
    using context = engine.createContext({ cudaGraph: true });
    simulator.injectFault({ kind: 'capture', count: 1 });
    const n = await counted(async () => {
      for (let seed = 0; seed < 5; seed++) {
        const feeds = model.makeFeeds({ seed: 300 + seed, batch: 1, seq: 4 });
        await expectLikeOrt(model.onnx, feeds, await context.run(feeds));
      }
    });
    // Run 1 plain; run 2's capture is invalidated, so run 2 enqueues again; runs 3-5 plain.
    expect(n).toEqual({ enqueues: 6, graphLaunches: 0 });
    expect(simulator.counters().liveGraphExecs).toBe(0);
  });

  it('a transient enqueue failure while capturing fails that run as CUDA_TRANSIENT, and the next run captures', async () => {
    // The failure is the run's own, not the capture's: it must not be retried behind the caller's back (the session
    // decides about retries), nor turn graphs off for good.
    using context = engine.createContext({ cudaGraph: true });
    const feeds = model.makeFeeds({ seed: 400, batch: 1, seq: 4 });
    let error: unknown;
    const n = await counted(async () => {
      await context.run(feeds); // plain
      simulator.injectFault({ kind: 'enqueue', count: 1 });
      error = await context.run(feeds).catch((e: unknown) => e); // the capture's enqueue fails
      for (let i = 0; i < 4; i++) await expectLikeOrt(model.onnx, feeds, await context.run(feeds)); // capture, replays
    });
    expect(error).toMatchObject({ code: 'CUDA_TRANSIENT', message: expect.stringMatching(/IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime \(unspecified launch failure\)/) });
    expect(n).toEqual({ enqueues: 3, graphLaunches: 4 });
  });

  it('an engine with data-dependent output shapes keeps plain launches on its launcher thread', async () => {
    using nonzero = await simulatorEngine(runtime, 'nonzero');
    using context = nonzero.createContext({ cudaGraph: true });
    const zoo = getModel('nonzero');
    const n = await counted(async () => {
      for (let seed = 0; seed < 3; seed++) {
        const feeds = zoo.makeFeeds({ seed, batch: 2, n: 6 });
        await expectLikeOrt(zoo.onnx, feeds, await context.run(feeds));
      }
    });
    expect(n).toEqual({ enqueues: 3, graphLaunches: 0 });
  });

  it('a sticky error in a replayed graph poisons the process like any kernel fault', async () => {
    // Last: the process stays poisoned (sticky.test.ts covers the rest of that story in its own process).
    using context = engine.createContext({ cudaGraph: true });
    const feeds = model.makeFeeds({ seed: 9, batch: 1, seq: 3 });
    await context.run(feeds);
    await context.run(feeds); // captured
    injectStickyFault(); // after the releases of earlier tests: a poisoned device frees nothing
    const error = await context.run(feeds).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CUDA_STICKY', cudaErrorName: 'cudaErrorIllegalAddress' });
    simulator.clearStickyError();
  });
});
