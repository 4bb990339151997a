// Outputs whose shape depends on the data (NonZero): TensorRT hands them to an IOutputAllocator from inside
// enqueueV3, which then waits for the kernels that decide the shape. The addon makes those calls on the context's
// launcher thread, so run() stays asynchronous; every result is checked against onnxruntime-node (int64 exactly,
// float32 exactly too: Relu only selects values).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CudaTransientError, DeviceTensor, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { Engine, TensorRTNodeError } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorEngine, simulatorPlan } from './helpers/engines.js';
import { expectLikeOrt, runOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';
import { model, node, valueInfo } from './models/onnx-builder.js';

const zoo = getModel('nonzero');
let runtime: Runtime;
let engine: Engine;

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'nonzero');
});
afterEach(() => simulator.clearFaults());
afterAll(() => {
  engine.dispose();
  runtime.dispose();
});

function feedsFor(batch: number, n: number, seed: number, negative = 0) {
  const feeds = zoo.makeFeeds({ batch, n, seed, negative });
  return { tensor: Tensor.from('float32', feeds.x.data as Float32Array, feeds.x.dims), feeds };
}

async function expectOrtResult(result: Record<string, unknown>, feeds: ReturnType<typeof zoo.makeFeeds>) {
  const expected = await runOrt(zoo.onnx, feeds);
  const idx = result.idx as Tensor<'int64'>;
  const r = result.r as Tensor<'float32'>;
  expect(idx.dims).toEqual(expected.idx!.dims);
  expect(Array.from(idx.data)).toEqual(Array.from(expected.idx!.data as BigInt64Array));
  expect(r.dims).toEqual(expected.r!.dims);
  expect(Array.from(r.data)).toEqual(Array.from(expected.r!.data as Float32Array));
}

/** gelu20's result on the GPU-chained `relu` values against onnxruntime's on the same values (Gelu's tanh: 1e-4). */
async function expectGeluOf(result: Record<string, unknown>, relu: ArrayLike<number>) {
  const x = { x: { dtype: 'float32', dims: [2, 8], data: Float32Array.from(relu) } };
  await expectLikeOrt(getModel('gelu20').onnx, x, result);
}

describe('engines with a data-dependent output shape', () => {
  it('report -1 for the extent that depends on data, and which outputs are data-dependent', async () => {
    expect(engine.outputs.map((o) => [o.name, o.dtype, o.shape, o.dataDependent])).toEqual([
      ['r', 'float32', [-1, -1], false], // -1 only until the input shape is known
      ['idx', 'int64', [2, -1], true],
    ]);
    expect(engine.inputs[0]!.dataDependent).toBe(false);
    // The probe behind the flag is a user-managed context: it allocates no device memory.
    const before = simulator.counters();
    using mlp = await simulatorEngine(runtime, 'mlp');
    expect(mlp.outputs.map((o) => o.dataDependent)).toEqual([false]);
    const after = simulator.counters();
    expect(after.liveContexts).toBe(before.liveContexts);
    expect(after.liveDeviceAllocations - before.liveDeviceAllocations).toBe(1); // the engine's weights only
  });

  it('run with a fresh shape per run, matching onnxruntime, including an empty result', async () => {
    using context = engine.createContext();
    const cases: [number, number, number][] = [[2, 6, 0], [1, 1, 0], [4, 16, 0], [3, 5, 1], [2, 6, 0]];
    let seed = 1;
    for (const [batch, n, negative] of cases) {
      const { tensor, feeds } = feedsFor(batch, n, seed++, negative);
      const result = await context.run({ x: tensor });
      await expectOrtResult(result, feeds);
      if (negative) expect((result.idx as Tensor).dims).toEqual([2, 0]);
    }
  });

  it('keep 48 concurrent runs on 3 contexts apart, each with its own shape and values', async () => {
    const contexts = [engine.createContext(), engine.createContext(), engine.createContext()];
    try {
      const runs = Array.from({ length: 48 }, (_, i) => {
        const { tensor, feeds } = feedsFor(1 + (i % 4), 1 + ((i * 5) % 16), 100 + i, i % 7 === 0 ? 1 : 0);
        return { promise: contexts[i % 3]!.run({ x: tensor }), feeds };
      });
      expect(contexts.map((c) => c.inFlight).reduce((a, b) => a + b)).toBe(48);
      for (const { promise, feeds } of runs) await expectOrtResult(await promise, feeds);
      expect(contexts.map((c) => c.inFlight)).toEqual([0, 0, 0]);
    } finally {
      for (const c of contexts) c.dispose();
    }
  });

  it('do not block the JS thread while the network runs: run() returns before the first kernel finished', async () => {
    using context = engine.createContext();
    await context.run({ x: feedsFor(1, 4, 1).tensor }); // the first run decides how the context submits
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 150 });
    const before = simulator.counters().kernelsExecuted;
    const { tensor, feeds } = feedsFor(2, 8, 2);
    const pending = context.run({ x: tensor });
    // enqueueV3 waits for the kernels on this engine; had it run on the JS thread, they would have executed by now.
    expect(simulator.counters().kernelsExecuted).toBe(before);
    await expectOrtResult(await pending, feeds);
    expect(simulator.counters().kernelsExecuted).toBeGreaterThan(before);
  });

  it('runtime.synchronize() also waits for the runs the launcher thread has yet to put on the device', async () => {
    using context = engine.createContext();
    const { tensor, feeds } = feedsFor(2, 8, 3);
    await context.run({ x: tensor }); // the first run decides how the context submits
    simulator.synchronize();
    let before = simulator.counters().kernelsExecuted;
    await context.run({ x: tensor });
    const kernelsPerRun = simulator.counters().kernelsExecuted - before;
    expect(kernelsPerRun).toBeGreaterThan(1);

    // The first run's enqueueV3 waits on the launcher thread for its slow shape kernel; the second has not reached
    // the device at all when synchronize() is called.
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 50 });
    before = simulator.counters().kernelsExecuted;
    const runs = [context.run({ x: tensor }), context.run({ x: tensor })];
    runtime.synchronize();
    expect(simulator.counters().kernelsExecuted - before).toBe(2 * kernelsPerRun);
    for (const result of await Promise.all(runs)) await expectOrtResult(result, feeds);
  });

  it('a transient enqueue failure is CUDA_TRANSIENT with TensorRT\'s message, and the next run is right', async () => {
    using context = engine.createContext();
    simulator.injectFault({ kind: 'enqueue', count: 1 });
    const error = (await context.run({ x: feedsFor(2, 3, 3).tensor }).catch((e: unknown) => e)) as CudaTransientError;
    expect(error).toBeInstanceOf(CudaTransientError);
    expect(error.message).toBe('IExecutionContext::enqueueV3: Error Code 1: Cuda Runtime (unspecified launch failure)');
    const { tensor, feeds } = feedsFor(2, 3, 4);
    await expectOrtResult(await context.run({ x: tensor }), feeds);
  });

  it('allocation failures inside enqueueV3 are OUT_OF_MEMORY, and the next run is right', async () => {
    using context = engine.createContext();
    const ones = Tensor.from('float32', new Float32Array(64).fill(1), [4, 16]); // 64 non-zero: idx needs 1 KiB
    await context.run({ x: Tensor.from('float32', Float32Array.of(1), [1, 1]) }); // small buffers, which must grow
    // First TensorRT's own temporary storage for the output fails, then (after that one succeeded) the memory our
    // output allocator asks for when TensorRT hands it the actual size.
    simulator.injectFault({ kind: 'alloc', count: 1 });
    const temporary = (await context.run({ x: ones }).catch((e: unknown) => e)) as TensorRTNodeError;
    expect(temporary.code).toBe('OUT_OF_MEMORY');
    expect(temporary.message).toBe('IExecutionContext::enqueueV3: Error Code 2: OutOfMemory (Requested size was 1024 bytes.)');
    expect(temporary.trtLog).toEqual([expect.stringMatching(/^\[W\] Requested amount of GPU memory \(1024 bytes\)/)]);
    simulator.injectFault({ kind: 'alloc', count: 1, after: 1 });
    const allocator = (await context.run({ x: ones }).catch((e: unknown) => e)) as TensorRTNodeError;
    expect(allocator.code).toBe('OUT_OF_MEMORY');
    expect(allocator.message).toMatch(/cudaMallocAsync \(output 'idx'\) failed: cudaErrorMemoryAllocation/);
    expect(allocator.trtMessages).toContain('IExecutionContext::enqueueV3: Error Code 5: Failed Allocation (IOutputAllocator returned nullptr for output tensor idx.)');
    const { tensor, feeds } = feedsFor(4, 16, 7);
    await expectOrtResult(await context.run({ x: tensor }), feeds);
  });

  it('runs whose data-dependent dims repeat settle in the compact forms, each result its own and right', async () => {
    // The same count of positive values in every run (a rotation of one input): the dims repeat, the indices differ.
    using context = engine.createContext();
    const base = Float32Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? -1 : i + 0.5)); // 10 positive of 16
    const inputs = Array.from({ length: 40 }, (_, k) => Float32Array.from(base, (_, i) => base[(i + k) % 16]!));
    const idx = new BigInt64Array(2 * 16); // 256 bytes: filled in JS from the arena
    const results = await Promise.all(
      inputs.map((x, k) => context.run({ x: Tensor.from('float32', x, [1, 16]) }, k % 2 === 0 ? {} : { outputs: { idx } })),
    );
    for (let k = 0; k < inputs.length; k += 2) {
      await expectOrtResult(results[k]!, { x: { dtype: 'float32', dims: [1, 16], data: inputs[k]! } } as never);
    }
    // The caller's array holds the last run's indices (every odd run wrote it in turn): the first 20 values.
    const last = await runOrt(zoo.onnx, { x: { dtype: 'float32', dims: [1, 16], data: inputs[39]! } });
    expect(Array.from(idx.subarray(0, 20))).toEqual(Array.from(last.idx!.data as BigInt64Array));
    expect((results[39]!.idx as Tensor).dims).toEqual([2, 10]);
  });

  it('write outputs into the caller\'s arrays, sized when the run settles (a data-dependent size is known only then)', async () => {
    using context = engine.createContext();
    const idx = new BigInt64Array(2 * 64);
    const r = new Float32Array(64);
    for (const [batch, n, seed] of [[2, 6, 30], [4, 16, 31], [1, 3, 32]] as const) {
      const { tensor, feeds } = feedsFor(batch, n, seed);
      const result = await context.run({ x: tensor }, { outputs: { idx, r } });
      await expectOrtResult(result, feeds);
      expect((result.idx as Tensor).data.buffer).toBe(idx.buffer); // a view of the caller's array, no copy
      expect((result.r as Tensor).data.buffer).toBe(r.buffer);
    }
    // 64 positive values need 2 x 64 coordinates: an array for 10 is too small, which only the settle can tell.
    const ones = Tensor.from('float32', new Float32Array(64).fill(1), [4, 16]);
    const small = await context.run({ x: ones }, { outputs: { idx: new BigInt64Array(10) } }).catch((e: unknown) => e);
    expect(small).toMatchObject({ code: 'INVALID_INPUT', tensor: 'idx' });
    expect((small as Error).message).toBe("the array given for output 'idx' holds 80 bytes; this run's [2,64] needs 1024");
    const { tensor, feeds } = feedsFor(2, 5, 33);
    await expectOrtResult(await context.run({ x: tensor }), feeds);
  });

  it('take DeviceTensors as inputs: another engine\'s output on the GPU, in order with its writes even when nothing is awaited', async () => {
    using producer = await simulatorEngine(runtime, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
    using a = producer.createContext();
    using d = engine.createContext();
    const xs = [1, 2].map((seed) => Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => Math.sin(seed * 7 + i) * 2), [2, 8]));
    const expected = [];
    for (const x of xs) {
      const y = (await a.run({ x })).y as Tensor<'float32'>;
      expected.push({ feeds: { x: { dtype: 'float32' as const, dims: [...y.dims], data: y.data } } });
    }
    using y = await runtime.createDeviceTensor('float32', [2, 8]);
    using z = await runtime.createDeviceTensor('float32', [2, 4]);
    await d.run({ x: y }); // the first run finds the data-dependent output; the rest go through the launcher
    simulator.synchronize();
    const liveBefore = simulator.counters().liveDeviceAllocations;

    // Producer writes y, d reads it, producer overwrites it, d reads again: all queued at once, the producer's
    // kernels slowed down. d's runs are queued by its launcher later than the second write, so each must read a copy
    // taken in the buffer's order of uses.
    simulator.injectFault({ kind: 'slow-kernel', count: 4, millis: 20 });
    const runs = [];
    for (const x of xs) {
      void a.run({ x }, { outputs: { y, z } });
      runs.push(d.run({ x: y }));
    }
    const results = await Promise.all(runs);
    for (let k = 0; k < xs.length; k++) await expectOrtResult(results[k]!, expected[k]!.feeds as never);

    // A failed run frees its copy too.
    simulator.injectFault({ kind: 'enqueue', count: 1 });
    expect(await d.run({ x: y }).catch((e: unknown) => e)).toBeInstanceOf(CudaTransientError);
    simulator.synchronize();
    expect(simulator.counters().liveDeviceAllocations).toBe(liveBefore);
    await expectOrtResult(await d.run({ x: y }), expected[1]!.feeds as never);
  });

  it('write DeviceTensors as outputs (the data-dependent one copied in once its size is known), which feed the next engine on the GPU', async () => {
    using consumer = await simulatorEngine(runtime, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
    using g = consumer.createContext();
    using d = engine.createContext();
    using rOut = await runtime.createDeviceTensor('float32', [2, 8]);
    using idxOut = await runtime.createDeviceTensor('int64', [2, 16]);
    const live: number[] = [];
    for (const seed of [5, 6, 7]) {
      const { tensor, feeds } = feedsFor(2, 8, seed);
      const result = await d.run({ x: tensor }, { outputs: { r: rOut, idx: idxOut } });
      const expected = await runOrt(zoo.onnx, feeds);
      expect(result.idx).toBeInstanceOf(DeviceTensor);
      expect(result.idx!.dims).toEqual(expected.idx!.dims); // this run's count, not the tensor's [2,16]
      await expectOrtResult({ idx: await (result.idx as DeviceTensor).toTensor(), r: await (result.r as DeviceTensor).toTensor() }, feeds);
      // r stays on the GPU as the next engine's input.
      await expectGeluOf(await g.run({ x: result.r as DeviceTensor }), expected.r!.data as Float32Array);
      simulator.synchronize();
      live.push(simulator.counters().liveDeviceAllocations);
    }
    expect(live[2]).toBe(live[1]); // nothing per run: the contexts' own buffers grew in the first runs only
  });

  it('refuse every other use of a DeviceTensor that a run in flight is to write, until it settles', async () => {
    using consumer = await simulatorEngine(runtime, 'gelu20');
    using g = consumer.createContext();
    using d = engine.createContext();
    using d2 = engine.createContext();
    using rOut = await runtime.createDeviceTensor('float32', [2, 8]);
    const { tensor, feeds } = feedsFor(2, 8, 12);
    await d.run({ x: tensor }); // the context's first run finds the data-dependent output
    simulator.injectFault({ kind: 'slow-kernel', count: 2, millis: 20 }); // keep the writing run in flight
    const writing = d.run({ x: tensor }, { outputs: { r: rOut } });
    const uses = {
      plainInput: g.run({ x: rOut }),
      launcherInput: d2.run({ x: rOut }),
      secondWrite: d.run({ x: tensor }, { outputs: { r: rOut } }),
      plainOutput: g.run({ x: tensor }, { outputs: { y: rOut } }),
      read: rOut.toTensor(),
      write: rOut.buffer.write(new Float32Array(16)),
    };
    const errors = Object.fromEntries(await Promise.all(Object.entries(uses).map(async ([k, p]) => [k, await (p as Promise<unknown>).catch((e: unknown) => e)])));
    expect(errors.plainInput).toMatchObject({ code: 'INVALID_INPUT', tensor: 'x' });
    expect((errors.plainInput as Error).message).toBe(
      "input 'x': the DeviceTensor is output 'r' of a run still in flight on an engine with data-dependent output shapes, whose write cannot be ordered before this use; await that run first",
    );
    expect(errors.launcherInput).toMatchObject({ code: 'INVALID_INPUT', tensor: 'x' });
    expect(errors.secondWrite).toMatchObject({ code: 'INVALID_INPUT', tensor: 'r' });
    expect(errors.plainOutput).toMatchObject({ code: 'INVALID_INPUT', tensor: 'y' });
    expect(errors.read).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((errors.read as Error).message).toMatch(/^read: the DeviceTensor is output 'r' of a run still in flight/);
    expect(errors.write).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const written = await writing;
    expect(written.r).toBeInstanceOf(DeviceTensor);
    // Settled: every use works again, and sees this run's values.
    const expected = await runOrt(zoo.onnx, feeds);
    expect(Array.from((await rOut.toTensor()).data)).toEqual(Array.from(expected.r!.data as Float32Array));
    await expectOrtResult(await d2.run({ x: rOut }), { x: { dtype: 'float32', dims: [2, 8], data: expected.r!.data } } as never);
  });

  it('write a DeviceTensor output only after its earlier uses finished, though they were not awaited', async () => {
    using consumer = await simulatorEngine(runtime, 'gelu20');
    using g = consumer.createContext();
    using d = engine.createContext();
    using rOut = await runtime.createDeviceTensor('float32', [2, 8]);
    const first = feedsFor(2, 8, 21);
    const second = feedsFor(2, 8, 22);
    await d.run({ x: first.tensor }, { outputs: { r: rOut } }); // rOut = Relu(first)
    // The consumer's first kernel sleeps before it reads rOut (it is queued first, so it takes the fault); the
    // launcher queues the overwrite meanwhile, and its kernels run at full speed.
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 30 });
    const reading = g.run({ x: rOut });
    const overwriting = d.run({ x: second.tensor }, { outputs: { r: rOut } });
    const [read] = await Promise.all([reading, overwriting]);
    await expectGeluOf(read, (await runOrt(zoo.onnx, first.feeds)).r!.data as Float32Array);
    expect(Array.from((await rOut.toTensor()).data)).toEqual(Array.from((await runOrt(zoo.onnx, second.feeds)).r!.data as Float32Array));
  });

  it('reject a run whose DeviceTensor output is too small for this run\'s shape (INVALID_INPUT), and free everything', async () => {
    using d = engine.createContext();
    const ones = Tensor.from('float32', new Float32Array(64).fill(1), [4, 16]);
    await d.run({ x: ones });
    simulator.synchronize();
    const liveBefore = simulator.counters().liveDeviceAllocations;
    using idxSmall = await runtime.createDeviceTensor('int64', [2, 2]);
    using rSmall = await runtime.createDeviceTensor('float32', [1, 2]);
    const dependent = await d.run({ x: ones }, { outputs: { idx: idxSmall } }).catch((e: unknown) => e);
    expect(dependent).toMatchObject({ code: 'INVALID_INPUT', tensor: 'idx' });
    expect((dependent as Error).message).toBe("the DeviceTensor given for output 'idx' holds 32 bytes; this run's [2,64] needs 1024");
    const known = await d.run({ x: ones }, { outputs: { r: rSmall } }).catch((e: unknown) => e);
    expect(known).toMatchObject({ code: 'INVALID_INPUT', tensor: 'r' });
    expect((known as Error).message).toBe("output buffer for 'r' needs 256 bytes for [4,16], has 8");
    // Both tensors are free for use again, and the context runs on.
    expect((await idxSmall.toTensor()).data.length).toBe(4);
    const { tensor, feeds } = feedsFor(1, 2, 4);
    const fits = await d.run({ x: tensor }, { outputs: { r: rSmall } });
    await expectOrtResult({ ...fits, r: await (fits.r as DeviceTensor).toTensor() }, feeds);
    idxSmall.dispose();
    rSmall.dispose();
    simulator.synchronize();
    expect(simulator.counters().liveDeviceAllocations).toBe(liveBefore);
  });

  it('change profile only while no run is in flight (their TensorRT calls happen on another thread)', async () => {
    const plan = await simulatorPlan('nonzero', [
      { x: { min: [1, 1], opt: [1, 4], max: [1, 8] } },
      { x: { min: [2, 1], opt: [2, 4], max: [4, 16] } },
    ]);
    using twoProfiles = await runtime.deserialize(plan);
    using context = twoProfiles.createContext();
    await context.run({ x: feedsFor(1, 3, 9).tensor });
    const pending = context.run({ x: feedsFor(1, 3, 10).tensor });
    const refused = (() => {
      try {
        context.setProfile(1);
      } catch (e) {
        return e;
      }
    })();
    expect(refused).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/wait for the 1 run\(s\) in flight/) });
    expect(context.profile).toBe(0);
    await pending;
    context.setProfile(1);
    const { tensor, feeds } = feedsFor(3, 12, 11);
    await expectOrtResult(await context.run({ x: tensor }), feeds);
  });

  it('dispose during runs in flight: the runs still settle right, and every allocation and thread goes', async () => {
    {
      using rt = Runtime.create({ backend: 'simulator' });
      const own = await rt.deserialize(await simulatorPlan('nonzero'));
      const context = own.createContext();
      const runs = [1, 2, 3, 4].map((seed) => {
        const { tensor, feeds } = feedsFor(2, 4 + seed, 20 + seed);
        return { promise: context.run({ x: tensor }), feeds };
      });
      context.dispose();
      own.dispose();
      for (const { promise, feeds } of runs) await expectOrtResult(await promise, feeds);
    }
    simulator.synchronize();
    // This file's own runtime, engine and contexts are still alive; what the block above made must be gone.
    const c = simulator.counters();
    expect({ runtimes: c.liveRuntimes, engines: c.liveEngines, contexts: c.liveContexts }).toEqual({ runtimes: 1, engines: 1, contexts: 0 });
  });
});

describe('layers after a data-dependent one', () => {
  // nz = NonZero(x) [1, count] -> t = Transpose(nz) [count, 1] -> f = Cast(t) float [count, 1] -> s = ReduceSum(f) [].
  // t and f are data-dependent too; s reads them but has a known shape.
  const onnx = model({
    inputs: [valueInfo('x', 'float32', ['n'])],
    outputs: [valueInfo('t', 'int64', ['count', 1]), valueInfo('f', 'float32', ['count', 1]), valueInfo('s', 'float32', [])],
    nodes: [
      node('NonZero', ['x'], ['nz'], {}, 'find'),
      node('Transpose', ['nz'], ['t'], { perm: [1, 0] }, 'flip'),
      node('Cast', ['t'], ['f'], { to: 1 }, 'to_float'),
      node('ReduceSum', ['f'], ['s'], { keepdims: 0 }, 'total'),
    ],
  });

  it('compute with the shapes found on the device, matching onnxruntime; each data-dependent output is flagged', async () => {
    const plan = await buildEngine(onnx, { backend: 'simulator', profiles: [{ x: { min: [1], opt: [8], max: [32] } }] });
    using chain = await runtime.deserialize(plan);
    expect(chain.outputs.map((o) => [o.name, o.shape, o.dataDependent])).toEqual([
      ['t', [-1, 1], true],
      ['f', [-1, 1], true],
      ['s', [], false],
    ]);
    using context = chain.createContext();
    for (const values of [[0, 2, 0, 3, 5], [0, 0, 0], [7], Array.from({ length: 32 }, (_, i) => (i % 3) - 1)]) {
      const x = Float32Array.from(values);
      const result = await context.run({ x: Tensor.from('float32', x, [x.length]) });
      const expected = await runOrt(onnx, { x: { dtype: 'float32', dims: [x.length], data: x } });
      for (const name of ['t', 'f', 's']) {
        expect((result[name] as Tensor).dims, name).toEqual(expected[name]!.dims);
        expect(Array.from((result[name] as Tensor).data as ArrayLike<unknown>), name).toEqual(Array.from(expected[name]!.data as ArrayLike<unknown>));
      }
    }
  });
});
