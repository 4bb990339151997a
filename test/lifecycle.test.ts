// Ownership: every native object is released by dispose() (or, failing that, by the garbage collector), using a
// disposed object is a DISPOSED error, and the simulator's live allocations, streams and events return to zero.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';
import { RAW_SETTLEMENTS } from './helpers/raw-addon.js';
import { DisposedError, Runtime, Tensor } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorPlan } from './helpers/engines.js';
import { expectNothingLive } from './helpers/leaks.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

const x = (batch = 2) => Tensor.from('float32', new Float32Array(batch * 16).fill(0.25), [batch, 16]);

describe('dispose', () => {
  it('returns every allocation, stream and TensorRT object after real work', async () => {
    const plan = await simulatorPlan('mlp');
    {
      using runtime = Runtime.create({ backend: 'simulator' });
      using engine = await runtime.deserialize(plan);
      using a = engine.createContext();
      using b = engine.createContext();
      await Promise.all([a.run({ x: x(1) }), a.run({ x: x(16) }), b.run({ x: x(4) })]);
      const device = await runtime.createDeviceTensor('float32', [2, 16], x());
      const out = await runtime.createDeviceTensor('float32', [2, 8]);
      await a.run({ x: device }, { outputs: { y: out } });
      expect(simulator.counters().liveDeviceAllocations).toBeGreaterThan(0);
      expect(simulator.counters().liveStreams).toBe(3);
      device.dispose();
      out.dispose();
    }
    expectNothingLive();
  });

  it('createContext with an option that fails leaves no context behind', async () => {
    // Found by fuzzing: the native context was made before the profile was checked, and nothing disposed it.
    const plan = await simulatorPlan('mlp');
    {
      using runtime = Runtime.create({ backend: 'simulator' });
      using engine = await runtime.deserialize(plan);
      const before = simulator.counters();
      for (let i = 0; i < 3; i++) expect(() => engine.createContext({ profile: 1 })).toThrow(/profile 1 does not exist; the engine has 1 \(0\.\.0\)/);
      simulator.synchronize(); // contexts are destroyed on the reaper thread, after dispose() returns
      const after = simulator.counters();
      expect([after.liveContexts, after.liveStreams]).toEqual([before.liveContexts, before.liveStreams]);
    }
    expectNothingLive();
  });

  it('calls on disposed objects throw DISPOSED, never crash', async () => {
    const runtime = Runtime.create({ backend: 'simulator' });
    const engine = await runtime.deserialize(await simulatorPlan('mlp'));
    const context = engine.createContext();
    const buffer = runtime.createDeviceBuffer(64);
    context.dispose();
    context.dispose(); // idempotent
    await expect(context.run({ x: x() })).rejects.toBeInstanceOf(DisposedError);
    expect(() => context.setProfile(0)).toThrow(DisposedError);
    buffer.dispose();
    await expect(buffer.read()).rejects.toBeInstanceOf(DisposedError);
    engine.dispose();
    expect(() => engine.createContext()).toThrow(DisposedError);
    expect(() => engine.serialize()).toThrow(DisposedError);
    runtime.dispose();
    await expect(runtime.deserialize(new Uint8Array(4))).rejects.toBeInstanceOf(DisposedError);
    expect(() => runtime.createDeviceBuffer(4)).toThrow(DisposedError);
    expectNothingLive();
  });

  it('disposing the runtime and engine first keeps live children working (native ownership is shared)', async () => {
    const runtime = Runtime.create({ backend: 'simulator' });
    const engine = await runtime.deserialize(await simulatorPlan('mlp'));
    const context = engine.createContext();
    runtime.dispose();
    engine.dispose();
    await expectLikeOrt(getModel('mlp').onnx, { x: x() }, await context.run({ x: x() }));
    context.dispose();
    expectNothingLive();
  });

  it('dispose during runs: the runs in flight finish with correct results, later runs are DISPOSED', async () => {
    const runtime = Runtime.create({ backend: 'simulator' });
    const engine = await runtime.deserialize(await simulatorPlan('mlp'));
    const reference = engine.createContext();
    const expected = await reference.run({ x: x() });
    await expectLikeOrt(getModel('mlp').onnx, { x: x() }, expected);
    reference.dispose();
    const context = engine.createContext();
    simulator.injectFault({ kind: 'slow-kernel', count: 3, millis: 10 });
    const runs = Array.from({ length: 8 }, () => context.run({ x: x() }));
    context.dispose();
    engine.dispose();
    runtime.dispose();
    const results = await Promise.all(runs);
    for (const r of results) expect(Array.from(r.y!.data as Float32Array)).toEqual(Array.from(expected.y!.data as Float32Array));
    await expect(context.run({ x: x() })).rejects.toBeInstanceOf(DisposedError);
    expectNothingLive();
  });

  // In CUDA, destroying a context or engine and freeing pinned memory wait for the whole device. Done on the JS
  // thread, dispose() would stall the event loop for as long as any run on any context takes.
  it('dispose() of an idle context and engine does not wait for a slow run on another context', async () => {
    const runtime = Runtime.create({ backend: 'simulator' });
    const plan = await simulatorPlan('mlp');
    const busyEngine = await runtime.deserialize(plan);
    const idleEngine = await runtime.deserialize(plan);
    const busy = busyEngine.createContext();
    const idle = idleEngine.createContext();
    await idle.run({ x: x() }); // the idle context has staging and device buffers to free
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 400 });
    const kernelsBefore = simulator.counters().kernelsExecuted;
    const slowRun = busy.run({ x: x() });
    idle.dispose();
    idleEngine.dispose();
    // Kernels are counted when they finish: had dispose() waited for the device, the slow kernel would be done.
    expect(simulator.counters().kernelsExecuted).toBe(kernelsBefore);
    expect((await slowRun).y!.dims).toEqual([2, 8]);
    busy.dispose();
    busyEngine.dispose();
    runtime.dispose();
    expectNothingLive(); // synchronize() also waits for the releases still under way
  });

  // The other side of releasing off the JS thread: memory a dispose() gave back may not be free yet when the next
  // allocation comes (a model swap: dispose the old engine, load the new one). Running out of memory then must
  // wait for the releases under way and try again, not fail.
  it('an allocation that finds memory still being released waits for the release instead of failing', async () => {
    const logged: string[] = [];
    const runtime = Runtime.create({ backend: 'simulator', logger: (severity, message) => logged.push(`${severity}: ${message}`) });
    const plan = await simulatorPlan('mlp');
    const busyEngine = await runtime.deserialize(plan);
    const busy = busyEngine.createContext();
    await busy.run({ x: x() });
    const oldEngine = await runtime.deserialize(plan);
    const oldContext = oldEngine.createContext();
    await oldContext.run({ x: x() });
    simulator.synchronize();
    const totalBefore = simulator.getDevice().totalMemoryBytes;
    const used = simulator.counters().liveDeviceBytes;
    simulator.setDevice({ totalMemoryBytes: used + 4096 }); // no room for a second copy of the engine
    try {
      simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 300 });
      const slowRun = busy.run({ x: x() });
      oldContext.dispose(); // its release waits on the device for the slow kernel (cudaFree synchronizes)
      oldEngine.dispose();
      const newEngine = await runtime.deserialize(plan);
      const newContext = newEngine.createContext();
      expect((await newContext.run({ x: x() })).y!.dims).toEqual([2, 8]);
      await slowRun;
      // The first attempts ran out of memory and were retried. Their errors went to the error recorder, as TensorRT
      // reports errors when one is set, so the log shows none: a swap that worked must not look like a failure.
      expect(logged.filter((m) => /error/.test(m))).toEqual([]);
      newContext.dispose();
      newEngine.dispose();
    } finally {
      simulator.setDevice({ totalMemoryBytes: totalBefore });
    }
    busy.dispose();
    busyEngine.dispose();
    runtime.dispose();
    expectNothingLive();
  });

  // Runs `body` in a fresh Node process with `native` (the addon) and `plan` (the zoo model's simulator plan) in scope;
  // it must end in process.exit(0) with nothing on stdout or stderr.
  async function expectCleanExit(model: 'mlp' | 'nonzero', body: string) {
    const work = mkdtempSync(path.join(tmpdir(), 'trtn-exit-'));
    try {
      writeFileSync(path.join(work, 'model.plan'), await simulatorPlan(model));
      const script = `
        const native = require(${JSON.stringify(path.join(packageRoot, 'node_modules/node-gyp-build'))})(${JSON.stringify(packageRoot)});
        const plan = require('node:fs').readFileSync(${JSON.stringify(path.join(work, 'model.plan'))});
        ${RAW_SETTLEMENTS}
        (async () => {${body}})();`;
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script]);
      expect({ stdout, stderr }).toEqual({ stdout: '', stderr: '' });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  it('process.exit() while a release still waits for the device exits cleanly', async () => {
    await expectCleanExit('mlp', `
      const runtime = new native.Runtime('simulator', 2);
      const busy = (await nativeCall((ticket) => runtime.deserialize(ticket, plan))).createContext();
      const engine = await nativeCall((ticket) => runtime.deserialize(ticket, plan));
      const context = engine.createContext();
      await run(context, Float64Array.of(1, 16), undefined, new Float32Array(16));
      native.simulator.injectFault(4, 1, 0, 200); // the next kernel takes 200 ms
      run(busy, Float64Array.of(1, 16), undefined, new Float32Array(16));
      context.dispose(); // its release waits for that kernel
      engine.dispose();
      process.exit(0);`);
  });

  it('process.exit() while a launcher thread is inside enqueueV3 (data-dependent output) exits cleanly', async () => {
    await expectCleanExit('nonzero', `
      const runtime = new native.Runtime('simulator', 2);
      const context = (await nativeCall((ticket) => runtime.deserialize(ticket, plan))).createContext();
      await run(context, Float64Array.of(1, 16), undefined, new Float32Array(16).fill(1));
      native.simulator.injectFault(4, 1, 0, 200); // the next kernel takes 200 ms: enqueueV3 waits for it
      for (let i = 0; i < 3; i++) run(context, Float64Array.of(1, 16), undefined, new Float32Array(16).fill(1));
      setTimeout(() => process.exit(0), 20);`);
  });

  it('process.exit() while a launcher thread is launching a network (enqueueOn: launcher, host launch cost) exits cleanly', async () => {
    await expectCleanExit('mlp', `
      const runtime = new native.Runtime('simulator', 2);
      const context = (await nativeCall((ticket) => runtime.deserialize(ticket, plan))).createContext();
      context.enqueueOnLauncher();
      await run(context, Float64Array.of(1, 16), undefined, new Float32Array(16).fill(1));
      native.simulator.setHostLaunchCost(20000); // each kernel launch holds the launcher for 20 ms
      for (let i = 0; i < 3; i++) run(context, Float64Array.of(1, 16), undefined, new Float32Array(16).fill(1));
      setTimeout(() => process.exit(0), 30);`);
  });

  it('the garbage collector frees undisposed objects (FinalizationRegistry safety net)', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run the tests with --expose-gc (vitest config sets it)');
    const plan = await simulatorPlan('mlp');
    await (async () => {
      const runtime = Runtime.create({ backend: 'simulator' });
      const engine = await runtime.deserialize(plan);
      await engine.createContext().run({ x: x() });
    })();
    for (let i = 0; i < 10 && simulator.counters().liveContexts + simulator.counters().liveEngines > 0; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
    expectNothingLive();
  });
});

describe('steady state', () => {
  it('many runs do not grow native allocations: device and pinned counts stop changing once warm', async () => {
    using runtime = Runtime.create({ backend: 'simulator' });
    using engine = await runtime.deserialize(await simulatorPlan('mlp'));
    using context = engine.createContext();
    const wave = () => Promise.all(Array.from({ length: 64 }, (_, i) => context.run({ x: x(1 + (i % 4)) })));
    for (let i = 0; i < 5; i++) await wave();
    simulator.synchronize();
    const warm = simulator.counters();
    for (let i = 0; i < 30; i++) await wave();
    simulator.synchronize();
    const after = simulator.counters();
    expect(after.liveDeviceAllocations).toBe(warm.liveDeviceAllocations);
    expect(after.liveDeviceBytes).toBe(warm.liveDeviceBytes);
    expect(after.livePinnedAllocations).toBe(warm.livePinnedAllocations);
    expect(after.livePinnedAllocations).toBeLessThanOrEqual(64);
    expect(after.liveStreams).toBe(warm.liveStreams);
    expect(after.kernelsExecuted - warm.kernelsExecuted).toBeGreaterThanOrEqual(30 * 64);
  });
});
