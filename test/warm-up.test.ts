// A cold first run, and ContextOptions.warmUp. On a GPU, CUDA loads each kernel's code on its first launch (lazy
// module loading, the default since CUDA 12.2) on the thread that enqueues, and TensorRT picks kernels per
// optimization profile: the first run of each profile of an engine is slow, on the JS thread for a context that
// enqueues there. The simulator models it (setCostModel({ moduleLoadMicros }), counters().kernelModulesLoaded), so
// these tests can tell, by counting loads rather than timing, where and when the kernels were loaded. Results are
// checked against onnxruntime.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, Tensor } from '../lib/index.js';
import type { Engine, ExecutionContext, TensorRTNodeError } from '../lib/index.js';
import { packageRoot } from '../lib/native.js';
import { simulator } from '../lib/testing/index.js';
import { PROFILES, simulatorEngine, simulatorPlan } from './helpers/engines.js';
import { expectLikeOrt } from './helpers/ort.js';
import { injectAllocationFault } from './helpers/faults.js';
import { getModel } from './models/index.js';
import type { ModelName } from './models/index.js';

const TWO_PROFILES = [PROFILES.mlp!, { x: { min: [1, 16], opt: [20, 16], max: [32, 16] } }];
let runtime: Runtime;
let engine: Engine;

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'mlp', TWO_PROFILES);
});
afterEach(() => {
  simulator.setCostModel({});
  simulator.clearFaults();
});
afterAll(() => {
  engine.dispose();
  runtime.dispose();
});

const loads = () => simulator.counters().kernelModulesLoaded;

/** Kernel loads, and kernel launches on this (JS) thread, while `work` runs. */
async function countDuring<T>(work: () => Promise<T> | T): Promise<{ value: T; loads: number; jsLaunches: number }> {
  const loadsBefore = loads();
  const launchesBefore = simulator.launchesOnThisThread().kernels;
  const value = await work();
  return { value, loads: loads() - loadsBefore, jsLaunches: simulator.launchesOnThisThread().kernels - launchesBefore };
}

async function runLikeOrt(context: ExecutionContext, name: ModelName, batch: number, seed: number): Promise<void> {
  const model = getModel(name);
  const feeds = model.makeFeeds({ batch, seed });
  const tensors = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, Tensor.from(t.dtype as never, t.data as never, t.dims)]));
  await expectLikeOrt(model.onnx, feeds, await context.run(tensors));
}

describe('a cold first run (CUDA lazy module loading)', () => {
  it("loads each layer's kernel at the first run of each profile of an engine, on the thread that enqueues", async () => {
    simulator.setCostModel({ moduleLoadMicros: 2000 });
    using fresh = await simulatorEngine(runtime, 'mlp', TWO_PROFILES);
    using a = fresh.createContext();
    const first = await countDuring(() => runLikeOrt(a, 'mlp', 4, 1));
    expect(first.loads).toBe(fresh.layers);
    expect(first.jsLaunches).toBe(fresh.layers); // the loads happened where the launches did: here
    // The load time is spent inside enqueueV3, so the first run's enqueue time holds it.
    expect(a.enqueueTime.maxMicros).toBeGreaterThanOrEqual(2000 * fresh.layers);

    expect((await countDuring(() => runLikeOrt(a, 'mlp', 3, 2))).loads).toBe(0);
    using b = fresh.createContext(); // another context of the same engine and profile: already loaded
    expect((await countDuring(() => runLikeOrt(b, 'mlp', 5, 3))).loads).toBe(0);
    using c = fresh.createContext({ profile: 1 }); // TensorRT picked other kernels for profile 1
    expect((await countDuring(() => runLikeOrt(c, 'mlp', 24, 4))).loads).toBe(fresh.layers);

    using again = await simulatorEngine(runtime, 'mlp', TWO_PROFILES); // another engine has its own code
    using d = again.createContext();
    expect((await countDuring(() => runLikeOrt(d, 'mlp', 2, 5))).loads).toBe(again.layers);
  });

  it('with CUDA_MODULE_LOADING=EAGER the engine loads every kernel of every profile when deserialized', async () => {
    const script = `
const { Runtime, Tensor } = require(process.argv[1]);
const { simulator } = require(process.argv[2]);
(async () => {
  const runtime = Runtime.create({ backend: 'simulator' });
  const before = simulator.counters().kernelModulesLoaded;
  const engine = await runtime.deserialize(Buffer.from(process.argv[3], 'base64'));
  const atLoad = simulator.counters().kernelModulesLoaded - before;
  const context = engine.createContext();
  await context.run({ x: Tensor.from('float32', new Float32Array(4 * 16), [4, 16]) });
  const atRun = simulator.counters().kernelModulesLoaded - before - atLoad;
  console.log(JSON.stringify({ atLoad, atRun, layers: engine.layers, profiles: engine.profiles.length }));
  context.dispose(); engine.dispose(); runtime.dispose();
})();
`;
    const plan = Buffer.from(await simulatorPlan('mlp', TWO_PROFILES)).toString('base64');
    const args = ['-e', script, path.join(packageRoot, 'dist/index.cjs'), path.join(packageRoot, 'dist/testing.cjs'), plan];
    const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 20_000, env: { ...process.env, CUDA_MODULE_LOADING: 'EAGER' } });
    const seen = JSON.parse(stdout) as { atLoad: number; atRun: number; layers: number; profiles: number };
    expect(seen).toEqual({ atLoad: seen.layers * 2, atRun: 0, layers: engine.layers, profiles: 2 });
  });
});

describe('ContextOptions.warmUp', () => {
  it('createContextAsync loads the kernels on a background thread: the first request loads none, on the JS thread or anywhere', async () => {
    simulator.setCostModel({ moduleLoadMicros: 10_000 });
    using fresh = await simulatorEngine(runtime, 'mlp', TWO_PROFILES);
    const created = await countDuring(() => fresh.createContextAsync({ warmUp: true }));
    using context = created.value;
    expect(created.loads).toBe(fresh.layers);
    expect(created.jsLaunches).toBe(0); // the warm-up enqueued on the background thread
    expect(context.enqueueTime.runs).toBe(0); // and is not one of the context's runs
    const first = await countDuring(() => runLikeOrt(context, 'mlp', 7, 1));
    expect([first.loads, first.jsLaunches]).toEqual([0, fresh.layers]);
    // Warm for every context of the engine on that profile.
    using other = fresh.createContext();
    expect((await countDuring(() => runLikeOrt(other, 'mlp', 1, 2))).loads).toBe(0);
  });

  it('keeps the event loop free while a slow warm-up runs', async () => {
    simulator.setCostModel({ moduleLoadMicros: 100_000 });
    using fresh = await simulatorEngine(runtime, 'mlp', TWO_PROFILES);
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setTimeout(() => { order.push('timer'); resolve(); }, 20));
    const creation = fresh.createContextAsync({ warmUp: true }).then((c) => { order.push('created'); return c; });
    const [, context] = await Promise.all([timer, creation]);
    context.dispose();
    expect(order).toEqual(['timer', 'created']); // 3 layers x 100 ms of loading, none of it on this thread
  });

  it('warms the profile the context is created on, with createContext too', async () => {
    using fresh = await simulatorEngine(runtime, 'mlp', TWO_PROFILES);
    const created = await countDuring(() => fresh.createContext({ profile: 1, warmUp: true }));
    using context = created.value;
    expect([context.profile, created.loads]).toEqual([1, fresh.layers]);
    expect((await countDuring(() => runLikeOrt(context, 'mlp', 30, 3))).loads).toBe(0);
    using onZero = fresh.createContext(); // profile 0 is still cold
    expect((await countDuring(() => runLikeOrt(onZero, 'mlp', 2, 4))).loads).toBe(fresh.layers);
  });

  it('a throwaway context warms a profile that another context switches to later (README, Warm-up)', async () => {
    using fresh = await simulatorEngine(runtime, 'mlp', TWO_PROFILES);
    const warmed = await countDuring(async () => (await fresh.createContextAsync({ profile: 1, warmUp: true })).dispose());
    expect(warmed.loads).toBe(fresh.layers);
    using serving = fresh.createContext(); // on profile 0, then switched
    serving.setProfile(1);
    expect((await countDuring(() => runLikeOrt(serving, 'mlp', 30, 6))).loads).toBe(0);
  });

  it.each(['int64_bool', 'embedding', 'nonzero'] as const)('warms %s (zeros are valid indices and masks), and its scratch memory is freed', async (name) => {
    using fresh = await simulatorEngine(runtime, name);
    simulator.synchronize();
    const before = simulator.counters();
    {
      const created = await countDuring(() => fresh.createContextAsync({ warmUp: true }));
      using context = created.value;
      expect(created.loads).toBe(fresh.layers);
      for (const seed of [1, 2]) {
        const run = await countDuring(() => runLikeOrt(context, name, 2, seed));
        expect(run.loads).toBe(0);
      }
    }
    simulator.synchronize();
    const after = simulator.counters();
    expect([after.liveDeviceAllocations, after.liveDeviceBytes, after.liveContexts, after.liveStreams]).toEqual([
      before.liveDeviceAllocations,
      before.liveDeviceBytes,
      before.liveContexts,
      before.liveStreams,
    ]);
  });

  it('a transient failure of the warm-up run rejects the creation with CUDA_TRANSIENT and leaves nothing behind', async () => {
    simulator.synchronize();
    const before = simulator.counters();
    simulator.injectFault({ kind: 'enqueue' });
    const error = (await engine.createContextAsync({ warmUp: true }).catch((e: unknown) => e)) as TensorRTNodeError;
    expect(error).toMatchObject({ code: 'CUDA_TRANSIENT', retryable: true });
    expect(error.message).toMatch(/IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime/);
    simulator.synchronize();
    expect(simulator.counters().liveContexts).toBe(before.liveContexts);
    expect(simulator.counters().liveDeviceAllocations).toBe(before.liveDeviceAllocations);
    using retried = await engine.createContextAsync({ warmUp: true });
    await runLikeOrt(retried, 'mlp', 3, 9);
  });

  it('a device allocation that fails during the warm-up rejects with OUT_OF_MEMORY and leaves nothing behind', async () => {
    simulator.synchronize();
    const before = simulator.counters();
    injectAllocationFault({ kind: 'alloc', after: 1 }); // the context's activation memory is had, its first IO buffer not
    const error = (await engine.createContextAsync({ warmUp: true }).catch((e: unknown) => e)) as TensorRTNodeError;
    expect(error).toMatchObject({ code: 'OUT_OF_MEMORY' });
    expect(error.message).toMatch(/cudaMallocAsync/);
    simulator.synchronize();
    const after = simulator.counters();
    expect([after.liveContexts, after.liveStreams, after.liveDeviceAllocations]).toEqual([before.liveContexts, before.liveStreams, before.liveDeviceAllocations]);
  });

  it('checks its options before anything is created', async () => {
    const contexts = simulator.counters().liveContexts;
    expect(() => engine.createContext({ warmUp: 'yes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: 'createContext: warmUp must be a boolean, got "yes"' }));
    await expect(engine.createContextAsync({ warmUp: 1 as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'createContextAsync: warmUp must be a boolean, got 1' });
    await expect(engine.createContextAsync({ profile: 2, warmUp: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'profile 2 does not exist; the engine has 2 (0..1)' });
    expect(simulator.counters().liveContexts).toBe(contexts);
  });
});
