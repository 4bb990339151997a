// Which thread calls enqueueV3 (ContextOptions.enqueueOn). On a GPU, enqueueV3 launches each kernel of the network
// from the CPU, so a large network holds its caller for a millisecond or more per run; 'launcher' moves that off the
// JS thread. The simulator counts the launches each thread makes (and can charge each one host time), which tells
// here, without timing anything, where a run's network was launched. Every result is checked against onnxruntime.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CudaTransientError, Runtime, Tensor } from '../lib/index.js';
import type { Engine, TensorRTNodeError } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { PROFILES, simulatorEngine } from './helpers/engines.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

const mlp = getModel('mlp');
let runtime: Runtime;
let engine: Engine;

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'mlp', [PROFILES.mlp!, PROFILES.mlp!]);
});
afterEach(() => {
  simulator.clearFaults();
  simulator.setCostModel({});
});
afterAll(() => {
  engine.dispose();
  runtime.dispose();
});

function mlpFeeds(batch: number, seed: number) {
  const feeds = mlp.makeFeeds({ batch, seed });
  return { x: Tensor.from('float32', feeds.x!.data as Float32Array, feeds.x!.dims), feeds };
}

/** The kernels and graphs this (JS) thread launched while `body` ran, and the kernels the device executed. */
async function launchesDuring(body: () => Promise<unknown>) {
  simulator.synchronize();
  const before = simulator.launchesOnThisThread();
  const executed = simulator.counters().kernelsExecuted;
  const graphs = simulator.counters().graphLaunches;
  await body();
  simulator.synchronize();
  const after = simulator.launchesOnThisThread();
  return {
    jsKernels: after.kernels - before.kernels,
    jsGraphs: after.graphs - before.graphs,
    executed: simulator.counters().kernelsExecuted - executed,
    graphLaunches: simulator.counters().graphLaunches - graphs,
  };
}

describe('enqueueOn', () => {
  it("'caller' (the default) launches the network on the JS thread inside run(); 'launcher' launches none of it there", async () => {
    using caller = engine.createContext();
    using launcher = engine.createContext({ enqueueOn: 'launcher' });
    expect([caller.enqueueOn, launcher.enqueueOn]).toEqual(['caller', 'launcher']);
    const { x, feeds } = mlpFeeds(3, 1);
    await caller.run({ x });
    await launcher.run({ x }); // first runs: the context's buffers and bindings

    const onCaller = await launchesDuring(async () => {
      for (let i = 0; i < 3; i++) await expectLikeOrt(mlp.onnx, feeds, await caller.run({ x }));
    });
    const onLauncher = await launchesDuring(async () => {
      for (let i = 0; i < 3; i++) await expectLikeOrt(mlp.onnx, feeds, await launcher.run({ x }));
    });
    expect(onCaller.executed).toBeGreaterThan(0);
    expect(onCaller.jsKernels).toBe(onCaller.executed); // every kernel of the three runs, from this thread
    expect(onLauncher).toEqual({ jsKernels: 0, jsGraphs: 0, executed: onCaller.executed, graphLaunches: 0 });
  });

  it('with a host launch cost set, results stay right on both threads (the cost is CPU time, not a different network)', async () => {
    simulator.setCostModel({ hostLaunchMicros: 50 });
    using caller = engine.createContext();
    using launcher = engine.createContext({ enqueueOn: 'launcher' });
    for (const [batch, seed] of [[1, 2], [5, 3], [16, 4]] as const) {
      const { x, feeds } = mlpFeeds(batch, seed);
      const [a, b] = await Promise.all([caller.run({ x }), launcher.run({ x })]);
      await expectLikeOrt(mlp.onnx, feeds, a);
      await expectLikeOrt(mlp.onnx, feeds, b);
    }
  });

  it('enqueueTime counts the host time of each enqueue on either thread: every kernel launch, or one graph launch', async () => {
    const cost = 300; // us per launch, burnt by the simulator on the launching thread
    using caller = engine.createContext();
    using launcher = engine.createContext({ enqueueOn: 'launcher' });
    using graphed = engine.createContext({ cudaGraph: true });
    const { x } = mlpFeeds(2, 11);
    for (const c of [caller, launcher, graphed]) {
      await c.run({ x });
      await c.run({ x }); // the graph is captured here
    }
    const kernels = (await launchesDuring(() => caller.run({ x }))).jsKernels; // per run
    expect(kernels).toBeGreaterThan(1);
    simulator.setCostModel({ hostLaunchMicros: cost });
    for (const c of [caller, launcher, graphed]) {
      const before = c.enqueueTime;
      for (let i = 0; i < 3; i++) await c.run({ x });
      const after = c.enqueueTime;
      expect(after.runs - before.runs).toBe(3);
      const perLaunch = c === graphed ? 1 : kernels;
      expect(after.totalMicros - before.totalMicros).toBeGreaterThanOrEqual(3 * perLaunch * cost);
      expect(after.maxMicros).toBeGreaterThanOrEqual(perLaunch * cost);
    }
    caller.dispose();
    expect(() => caller.enqueueTime).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  it('replays CUDA graphs on the launcher once the bindings repeat (cudaGraph: true)', async () => {
    using context = engine.createContext({ enqueueOn: 'launcher', cudaGraph: true });
    const { x, feeds } = mlpFeeds(4, 5);
    await context.run({ x }); // a plain enqueue with the new bindings
    await context.run({ x }); // captured
    const replays = await launchesDuring(async () => {
      for (let i = 0; i < 4; i++) await expectLikeOrt(mlp.onnx, feeds, await context.run({ x }));
    });
    expect(replays.graphLaunches).toBe(4);
    expect([replays.jsKernels, replays.jsGraphs]).toEqual([0, 0]);
    // A new shape is a plain enqueue again, still right.
    const other = mlpFeeds(2, 6);
    await expectLikeOrt(mlp.onnx, other.feeds, await context.run({ x: other.x }));
  });

  it('keeps 64 concurrent runs over 4 launcher contexts apart, each with its own shape and values', async () => {
    const contexts = Array.from({ length: 4 }, () => engine.createContext({ enqueueOn: 'launcher' }));
    try {
      const cases = Array.from({ length: 64 }, (_, i) => mlpFeeds(1 + (i % 16), 100 + i));
      const results = await Promise.all(cases.map((c, i) => contexts[i % 4]!.run({ x: c.x })));
      for (let i = 0; i < cases.length; i++) await expectLikeOrt(mlp.onnx, cases[i]!.feeds, results[i]!);
    } finally {
      for (const c of contexts) c.dispose();
    }
  });

  it("a transient enqueue failure on the launcher is CUDA_TRANSIENT with TensorRT's message, and the next run is right", async () => {
    using context = engine.createContext({ enqueueOn: 'launcher' });
    simulator.injectFault({ kind: 'enqueue', count: 1 });
    const error = (await context.run({ x: mlpFeeds(2, 7).x }).catch((e: unknown) => e)) as CudaTransientError;
    expect(error).toBeInstanceOf(CudaTransientError);
    expect(error.message).toBe('IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (unspecified launch failure)');
    const { x, feeds } = mlpFeeds(2, 8);
    await expectLikeOrt(mlp.onnx, feeds, await context.run({ x }));
  });

  it('chains DeviceTensors with a caller context in order, without awaiting, and holds an output until its run settles', async () => {
    using gelu = await simulatorEngine(runtime, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
    const model = getModel('gelu20');
    using producer = gelu.createContext();
    using consumer = gelu.createContext({ enqueueOn: 'launcher' });
    using y = await runtime.createDeviceTensor('float32', [2, 8]);
    using z = await runtime.createDeviceTensor('float32', [2, 4]);
    const xs = [1, 2].map((s) => Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => Math.cos(s * 5 + i) * 2), [2, 8]));
    const ys = [];
    for (const x of xs) ys.push(((await producer.run({ x })).y as Tensor<'float32'>).data.slice());
    await consumer.run({ x: y }); // bindings settled before the slowed part

    // The producer writes y twice with slow kernels; the launcher reads each y in its order of uses.
    simulator.injectFault({ kind: 'slow-kernel', count: 4, millis: 20 });
    const runs = [];
    for (const x of xs) {
      void producer.run({ x }, { outputs: { y, z } });
      runs.push(consumer.run({ x: y }));
    }
    const results = await Promise.all(runs);
    for (let k = 0; k < xs.length; k++) {
      await expectLikeOrt(model.onnx, { x: { dtype: 'float32', dims: [2, 8], data: ys[k]! } }, results[k]!, { atol: 1e-4, rtol: 1e-4 });
    }

    // The launcher writes a DeviceTensor output later than any use queued meanwhile could wait for: until the run
    // settles, every other use of that tensor is refused, naming it.
    using out = await runtime.createDeviceTensor('float32', [2, 8]);
    using outZ = await runtime.createDeviceTensor('float32', [2, 4]);
    simulator.injectFault({ kind: 'slow-kernel', count: 2, millis: 20 });
    const writing = consumer.run({ x: xs[0]! }, { outputs: { y: out, z: outZ } });
    const refused = (await producer.run({ x: out }).catch((e: unknown) => e)) as TensorRTNodeError;
    expect(refused.code).toBe('INVALID_INPUT');
    expect(refused.message).toMatch(/'y'/);
    await writing;
    const chained = await producer.run({ x: out });
    const expected = await consumer.run({ x: Tensor.from('float32', ys[0]!, [2, 8]) });
    expect(Array.from((chained.y as Tensor<'float32'>).data)).toEqual(Array.from((expected.y as Tensor<'float32'>).data));
  });

  it('refuses a profile change while runs are in flight on the launcher, saying why', async () => {
    using context = engine.createContext({ enqueueOn: 'launcher' });
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 20 });
    const run = context.run({ x: mlpFeeds(2, 9).x });
    expect(() => context.setProfile(1)).toThrow(expect.objectContaining({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining("launcher thread (enqueueOn: 'launcher')"),
    }));
    await run;
    context.setProfile(1);
    const { x, feeds } = mlpFeeds(3, 10);
    await expectLikeOrt(mlp.onnx, feeds, await context.run({ x }));
  });

  it('lets a context be disposed with runs in flight on its launcher: they settle, and nothing is left', async () => {
    simulator.synchronize(); // the earlier tests' contexts are released in the background
    const before = simulator.counters();
    const context = engine.createContext({ enqueueOn: 'launcher' });
    const cases = Array.from({ length: 8 }, (_, i) => mlpFeeds(2, 200 + i));
    const runs = cases.map((c) => context.run({ x: c.x }));
    context.dispose();
    const settled = await Promise.allSettled(runs);
    for (let i = 0; i < settled.length; i++) {
      const s = settled[i]!;
      if (s.status === 'fulfilled') await expectLikeOrt(mlp.onnx, cases[i]!.feeds, s.value);
      else expect((s.reason as TensorRTNodeError).code).toBe('DISPOSED');
    }
    simulator.synchronize();
    const after = simulator.counters();
    expect([after.liveContexts, after.liveStreams, after.liveDeviceAllocations, after.livePinnedAllocations])
      .toEqual([before.liveContexts, before.liveStreams, before.liveDeviceAllocations, before.livePinnedAllocations]);
  });

  it('checks the option: a typo is INVALID_ARGUMENT; an engine with data-dependent shapes uses its launcher and refuses the caller', async () => {
    expect(() => engine.createContext({ enqueueOn: 'js' as never })).toThrow(expect.objectContaining({
      code: 'INVALID_ARGUMENT',
      message: 'createContext: enqueueOn must be \'caller\' or \'launcher\', got "js"',
    }));
    using nonzero = await simulatorEngine(runtime, 'nonzero');
    using byDefault = nonzero.createContext();
    expect(byDefault.enqueueOn).toBe('launcher');
    expect(() => nonzero.createContext({ enqueueOn: 'caller' })).toThrow(expect.objectContaining({
      code: 'INVALID_ARGUMENT',
      tensor: 'idx',
      message: expect.stringContaining("the shape of output 'idx' depends on the data"),
    }));
    const live = simulator.counters().liveContexts;
    expect(() => nonzero.createContext({ enqueueOn: 'caller' })).toThrow();
    expect(simulator.counters().liveContexts).toBe(live); // refused before a context was made

    // The addon moves a context to its launcher only before its first run (createContext does it).
    using ran = engine.createContext();
    await ran.run({ x: mlpFeeds(1, 12).x });
    const nativeContext = (ran as unknown as { native(): { enqueueOnLauncher(): void } }).native();
    expect(() => nativeContext.enqueueOnLauncher()).toThrow(expect.objectContaining({
      code: 'INVALID_ARGUMENT',
      message: "enqueueOnLauncher must be called before the context's first run",
    }));
    expect(ran.enqueueOn).toBe('caller');
  });
});
