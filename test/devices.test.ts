// Several GPUs in one process: a runtime per device, used side by side from one thread. The simulator enforces
// CUDA's rules (a kernel launched into another device's stream fails, a kernel touching another device's memory
// faults and poisons the process), so an entry point that forgot to make its runtime's device current fails here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, EngineIncompatibleError, InvalidArgumentError, InvalidInputError, OutOfMemoryError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { Engine } from '../lib/index.js';
import { rewritePlanHeader, simulator } from '../lib/testing/index.js';
import { simulatorEngine } from './helpers/engines.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

let gpu0: Runtime;
let gpu1: Runtime;
beforeAll(() => {
  expect(simulator.setDeviceCount(2)).toBe(1);
  gpu0 = Runtime.create({ backend: 'simulator' });
  gpu1 = Runtime.create({ backend: 'simulator', device: 1 });
});
afterAll(() => {
  gpu0.dispose();
  gpu1.dispose(); // nothing may be left on either GPU: test/setup/leak-check.ts
  simulator.setDevice({ computeCapability: [8, 9] }); // every device as it was
  expect(simulator.setDeviceCount(1)).toBe(2);
  expect(simulator.counters().stickyError).toBe(0);
});

describe('several GPUs', () => {
  it('a device the machine does not have, or not an index, is INVALID_ARGUMENT naming the devices there are', () => {
    expect(() => Runtime.create({ backend: 'simulator', device: 2 })).toThrow(InvalidArgumentError);
    expect(() => Runtime.create({ backend: 'simulator', device: 2 })).toThrow('CUDA device 2 does not exist: this machine has 2 (0..1)');
    for (const device of [-1, 1.5, Number.NaN]) {
      expect(() => Runtime.create({ backend: 'simulator', device })).toThrow(/device must be a CUDA device index/);
    }
  });

  it('each runtime reports its own device, and memory is taken from that device only', async () => {
    expect(gpu1.device.index).toBe(1);
    expect(gpu0.device.index).toBe(0);
    const free0 = gpu0.device.freeMemoryBytes;
    const free1 = gpu1.device.freeMemoryBytes;
    const tensor = await gpu1.createDeviceTensor('float32', [1024, 1024]);
    expect(free1 - gpu1.device.freeMemoryBytes).toBeGreaterThanOrEqual(4 << 20);
    expect(gpu0.device.freeMemoryBytes).toBe(free0);
    tensor.dispose();
    simulator.synchronize();
    expect(gpu1.device.freeMemoryBytes).toBe(free1);
  });

  it('engines loaded on both devices run side by side from one thread, each result matching onnxruntime', async () => {
    const model = getModel('embedding');
    const engines: Engine[] = [await simulatorEngine(gpu0, 'embedding'), await simulatorEngine(gpu1, 'embedding')];
    const contexts = engines.flatMap((e) => [e.createContext(), e.createContext()]);
    const requests = Array.from({ length: 32 }, (_, i) => model.makeFeeds({ seed: 500 + i, batch: 1 + (i % 4), seq: 1 + ((i * 5) % 32) }));
    // Interleaved: consecutive submissions alternate between the devices' contexts.
    const results = await Promise.all(requests.map((feeds, i) => contexts[i % 4]!.run(feeds)));
    for (let i = 0; i < requests.length; i++) await expectLikeOrt(model.onnx, requests[i]!, results[i]!);
    for (const c of contexts) c.dispose();
    for (const e of engines) e.dispose();
  });

  it('an engine whose output shape depends on the data runs on device 1 (its runs go through a launcher thread)', async () => {
    using engine = await simulatorEngine(gpu1, 'nonzero');
    using context = engine.createContext();
    const model = getModel('nonzero');
    for (let seed = 0; seed < 3; seed++) {
      const feeds = model.makeFeeds({ seed });
      await expectLikeOrt(model.onnx, feeds, await context.run(feeds));
    }
  });

  it('CUDA graphs are captured and replayed on device 1', async () => {
    const model = getModel('embedding');
    using engine = await simulatorEngine(gpu1, 'embedding');
    using context = engine.createContext({ cudaGraph: true });
    const before = simulator.counters().graphLaunches;
    for (let seed = 0; seed < 4; seed++) {
      const feeds = model.makeFeeds({ seed: 40 + seed, batch: 2, seq: 6 });
      await expectLikeOrt(model.onnx, feeds, await context.run(feeds));
    }
    expect(simulator.counters().graphLaunches - before).toBe(3); // the second run captured; three launches
  });

  it('device tensors chain engines on device 1; one of another device is refused, naming both devices', async () => {
    using first = await simulatorEngine(gpu1, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
    using second = await simulatorEngine(gpu1, 'gelu20');
    using a = first.createContext();
    using b = second.createContext();
    const x = Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => i / 8 - 1), [2, 8]);
    const hostChained = (await b.run({ x: (await a.run({ x })).y as Tensor })).y as Tensor;

    using y = await gpu1.createDeviceTensor('float32', [2, 8]);
    using z = await gpu1.createDeviceTensor('float32', [2, 4]);
    await a.run({ x }, { outputs: { y, z } });
    const chained = (await b.run({ x: y })).y as Tensor;
    expect(Array.from(chained.data as Float32Array)).toEqual(Array.from(hostChained.data as Float32Array));

    using elsewhere = await gpu0.createDeviceTensor('float32', [2, 8], x);
    const asInput = await b.run({ x: elsewhere }).catch((e: unknown) => e);
    expect(asInput).toBeInstanceOf(InvalidInputError);
    expect((asInput as InvalidInputError).message).toBe(
      "input 'x': the DeviceTensor is on CUDA device 0, this context runs on device 1; copy it to a DeviceTensor of device 1 first (deviceTensor.copyTo)",
    );
    expect((asInput as InvalidInputError).tensor).toBe('x');
    const asOutput = await a.run({ x }, { outputs: { y: elsewhere, z } }).catch((e: unknown) => e);
    expect((asOutput as InvalidInputError).message).toMatch(/^output 'y': the DeviceTensor is on CUDA device 0, this context runs on device 1/);
    // Nothing reached the device: the process is not poisoned and both devices still run.
    expect(simulator.counters().stickyError).toBe(0);
    expect(Array.from(((await b.run({ x: y })).y as Tensor).data as Float32Array)).toEqual(Array.from(hostChained.data as Float32Array));
  });

  it('deviceTensor.copyTo hands a GPU result to an engine on the other GPU, in order with both sides\' work, nothing awaited in between', async () => {
    using onGpu0 = await simulatorEngine(gpu0, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
    using onGpu1 = await simulatorEngine(gpu1, 'gelu20');
    using a = onGpu0.createContext();
    using b = onGpu1.createContext();
    const xs = [3, 4].map((k) => Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => Math.sin(k * 5 + i)), [2, 8]));
    const expected: Float32Array[] = [];
    for (const x of xs) {
      const y = (await a.run({ x })).y as Tensor;
      expected.push(((await b.run({ x: y })).y as Tensor).data as Float32Array);
    }
    simulator.synchronize();
    const before = simulator.counters();

    using y0 = await gpu0.createDeviceTensor('float32', [2, 8]);
    using z0 = await gpu0.createDeviceTensor('float32', [2, 4]);
    using y1 = await gpu1.createDeviceTensor('float32', [2, 8]);
    // Device 0 writes y0 (slowly), the copy takes y0 to device 1, device 1 reads it; then all of it once more with
    // other values. Only the last promise of each round is awaited: the copy must wait for device 0's kernel, the
    // run on device 1 for the copy, and the second round's copy for the first round's read of y1.
    simulator.injectFault({ kind: 'slow-kernel', count: 4, millis: 15 });
    const results = [];
    for (const x of xs) {
      void a.run({ x }, { outputs: { y: y0, z: z0 } });
      void y0.copyTo(y1);
      results.push(b.run({ x: y1 }));
    }
    const settled = await Promise.all(results);
    for (let k = 0; k < xs.length; k++) expect(Array.from((settled[k]!.y as Tensor).data as Float32Array)).toEqual(Array.from(expected[k]!));

    // The other way round: a copy into y1 waits for the run still reading y1 (its kernel sleeps before it reads).
    await y1.buffer.write(xs[0]!.data as Float32Array);
    await y0.buffer.write(xs[1]!.data as Float32Array);
    simulator.injectFault({ kind: 'slow-kernel', count: 1, millis: 40 });
    const reading = b.run({ x: y1 });
    const overwriting = y0.copyTo(y1);
    const direct = (await b.run({ x: xs[0]! })).y as Tensor;
    expect(Array.from(((await reading).y as Tensor).data as Float32Array)).toEqual(Array.from(direct.data as Float32Array));
    await overwriting;
    expect(Array.from((await y1.toTensor()).data)).toEqual(Array.from(xs[1]!.data as Float32Array));

    // The copy resolves with the target holding this tensor's dtype and dims; same-device copies work the same way.
    using sameDevice = await gpu0.createDeviceTensor('float32', [4, 8]);
    const copied = await y0.copyTo(sameDevice);
    expect([copied.dtype, copied.dims, copied.buffer === sameDevice.buffer]).toEqual(['float32', [2, 8], true]);
    expect(Array.from((await copied.toTensor()).data)).toEqual(Array.from((await y0.toTensor()).data));

    // A target too small, or a disposed one, is refused before anything reaches the device.
    using small = await gpu1.createDeviceTensor('float32', [2, 2]);
    await expect(y0.copyTo(small)).rejects.toThrow(InvalidArgumentError);
    await expect(y0.copyTo(small)).rejects.toThrow('copyTo: float32[2,8] needs 64 bytes; the target holds 16');
    await expect(y0.buffer.copyTo(small.buffer, 64)).rejects.toThrow('copyTo of 64 bytes: the source holds 64, the target 16');
    await expect(y0.copyTo(y0)).rejects.toThrow('copyTo needs a target other than the source');
    const gone = await gpu1.createDeviceTensor('float32', [2, 8]);
    gone.dispose();
    await expect(y0.copyTo(gone)).rejects.toMatchObject({ code: 'DISPOSED' });
    expect(simulator.counters().stickyError).toBe(0);
    simulator.synchronize();
    expect(simulator.counters().liveEvents - before.liveEvents).toBeLessThanOrEqual(4); // one last-use event per tensor
  });

  it('a copy to the other GPU that fails after it was queued settles once it ran: a write into the target after the failure stays', async () => {
    using a = gpu0.createDeviceBuffer(64);
    using b = gpu1.createDeviceBuffer(64);
    await a.write(Float32Array.from({ length: 16 }, (_, i) => i + 1)); // a has its last-use event from here on
    await b.write(new Float32Array(16));
    simulator.setCostModel({ copyGBps: 1e-6 }); // the 64-byte copy takes 64 ms, the 16-byte write 16 ms
    try {
      simulator.injectFault({ kind: 'event-create' }); // the event that hands the queued copy to device 1's stream
      expect(await a.copyTo(b).catch((e: unknown) => e)).toBeInstanceOf(OutOfMemoryError);
      // Told the copy failed, the caller writes the target. Had the failure settled before the copy ran, the copy
      // (on device 0's stream, which device 1's never waited for) would land after this write.
      await b.write(Float32Array.of(-1, -2, -3, -4));
    } finally {
      simulator.setCostModel({});
    }
    const expected = [-1, -2, -3, -4, ...Array.from({ length: 12 }, (_, i) => i + 5)];
    expect(Array.from(new Float32Array(await b.read()))).toEqual(expected);
    expect(simulator.counters().stickyError).toBe(0);
  });

  it('GPUs of different kinds: an engine built on device 1 is for device 1\'s compute capability, and loads only there', async () => {
    simulator.setDevice({ index: 1, computeCapability: [9, 0], name: 'simulated sm90' });
    try {
      expect(gpu1.device).toMatchObject({ index: 1, computeCapability: [9, 0], name: 'simulated sm90' });
      expect(gpu0.device.computeCapability).toEqual([8, 9]);
      const model = getModel('mlp');
      const profiles = [{ x: { min: [1, 16], opt: [4, 16], max: [16, 16] } }];
      const forDevice1 = await buildEngine(model.onnx, { backend: 'simulator', profiles, device: 1 });
      const forDevice0 = await buildEngine(model.onnx, { backend: 'simulator', profiles });
      const wrongGpu = (await gpu0.deserialize(forDevice1).catch((e: unknown) => e)) as EngineIncompatibleError;
      expect(wrongGpu).toBeInstanceOf(EngineIncompatibleError);
      expect(wrongGpu.trtMessages[0]).toContain('expecting compute 9.0 got compute 8.9, please rebuild.');
      const otherWay = (await gpu1.deserialize(forDevice0).catch((e: unknown) => e)) as EngineIncompatibleError;
      expect(otherWay.trtMessages[0]).toContain('expecting compute 8.9 got compute 9.0, please rebuild.');
      using engine = await gpu1.deserialize(forDevice1);
      using context = engine.createContext();
      const feeds = model.makeFeeds({ seed: 4, batch: 3 });
      await expectLikeOrt(model.onnx, feeds, await context.run(feeds));
      await expect(buildEngine(model.onnx, { backend: 'simulator', profiles, device: 2 })).rejects.toThrow('CUDA device 2 does not exist');
    } finally {
      simulator.setDevice({ index: 1, computeCapability: [8, 9], name: 'tensorrt-node simulated GPU' });
    }
  });

  it('hardware compatibility: ampere+ plans load on any GPU from 8.0 and need one to build; same-compute-capability ones only on their own', async () => {
    const model = getModel('mlp');
    const profiles = [{ x: { min: [1, 16], opt: [4, 16], max: [16, 16] } }];
    simulator.setDevice({ index: 1, computeCapability: [9, 0] });
    try {
      const ampere = await buildEngine(model.onnx, { backend: 'simulator', profiles, hardwareCompatibility: 'ampere+' });
      using onDevice1 = await gpu1.deserialize(ampere); // built on 8.9, runs on 9.0
      using context = onDevice1.createContext();
      const feeds = model.makeFeeds({ seed: 5, batch: 2 });
      await expectLikeOrt(model.onnx, feeds, await context.run(feeds));

      const sameCc = await buildEngine(model.onnx, { backend: 'simulator', profiles, hardwareCompatibility: 'same-compute-capability' });
      const refused = (await gpu1.deserialize(sameCc).catch((e: unknown) => e)) as EngineIncompatibleError;
      expect(refused).toBeInstanceOf(EngineIncompatibleError);
      expect(refused.trtMessages[0]).toContain('expecting compute 8.9 got compute 9.0, please rebuild.');

      simulator.setDevice({ index: 1, computeCapability: [7, 5] });
      const turing = await buildEngine(model.onnx, { backend: 'simulator', profiles, hardwareCompatibility: 'ampere+', device: 1 }).catch((e: unknown) => e);
      expect(turing).toBeInstanceOf(BuildFailedError);
      expect((turing as Error).message).toMatch(/kAMPERE_PLUS is only supported on Ampere and later GPUs; this is compute capability 7\.5/);
      await buildEngine(model.onnx, { backend: 'simulator', profiles, hardwareCompatibility: 'same-compute-capability', device: 1 }); // Turing: fine
      simulator.setDevice({ index: 1, computeCapability: [7, 0] });
      const volta = await buildEngine(model.onnx, { backend: 'simulator', profiles, hardwareCompatibility: 'same-compute-capability', device: 1 }).catch((e: unknown) => e);
      expect((volta as Error).message).toMatch(/kSAME_COMPUTE_CAPABILITY is only supported on Turing and later GPUs; this is compute capability 7\.0/);
    } finally {
      simulator.setDevice({ index: 1, computeCapability: [8, 9] });
    }
  });
});

describe('version-compatible plans', () => {
  it('embed host code: a runtime loads them only with allowEngineHostCode, and then from an older TensorRT of the same major too', async () => {
    const model = getModel('mlp');
    const plan = await buildEngine(model.onnx, { backend: 'simulator', profiles: [{ x: { min: [1, 16], opt: [4, 16], max: [16, 16] } }], versionCompatible: true });
    const refused = (await gpu0.deserialize(plan).catch((e: unknown) => e)) as EngineIncompatibleError;
    expect(refused).toBeInstanceOf(EngineIncompatibleError);
    expect(refused.trtMessages[0]).toMatch(/^IRuntime::deserializeCudaEngine: Error Code 1: Serialization .*IRuntime::setEngineHostCodeAllowed\(true\)/);
    expect(refused.details).toContain('the plan embeds host code (it was built version-compatible): create the runtime with allowEngineHostCode: true to load it, for plans you trust');

    using trusting = Runtime.create({ backend: 'simulator', allowEngineHostCode: true });
    const feeds = model.makeFeeds({ seed: 6, batch: 4 });
    for (const bytes of [plan, rewritePlanHeader(plan, { trtVersion: [10, 15, 1, 4] })]) {
      using engine = await trusting.deserialize(bytes);
      using context = engine.createContext();
      await expectLikeOrt(model.onnx, feeds, await context.run(feeds));
    }
    // Without the flag, an older plan stays refused by its version.
    const ordinary = await buildEngine(model.onnx, { backend: 'simulator', profiles: [{ x: { min: [1, 16], opt: [4, 16], max: [16, 16] } }] });
    await expect(trusting.deserialize(rewritePlanHeader(ordinary, { trtVersion: [10, 15, 1, 4] }))).rejects.toBeInstanceOf(EngineIncompatibleError);
    expect(() => Runtime.create({ backend: 'simulator', allowEngineHostCode: 'yes' as never })).toThrow('allowEngineHostCode must be a boolean, got "yes"');
  });
});
