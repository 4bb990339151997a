// Building from ONNX (minimal builder of the foundation): profiles, progress, cancellation, and the typed errors of a
// model the parser or builder refuses.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AbortedError, BuildFailedError, InvalidArgumentError, InvalidInputError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import type { BuildProgress } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { PROFILES } from './helpers/engines.js';
import { getModel } from './models/index.js';
import { model, node, valueInfo } from './models/onnx-builder.js';

describe('buildEngine', () => {
  it('two optimization profiles: each context validates against its own profile', async () => {
    const plan = await buildEngine(getModel('mlp').onnx, {
      backend: 'simulator',
      profiles: [{ x: { min: [1, 16], opt: [2, 16], max: [4, 16] } }, { x: { min: [8, 16], opt: [32, 16], max: [64, 16] } }],
    });
    using runtime = Runtime.create({ backend: 'simulator' });
    using engine = await runtime.deserialize(plan);
    expect(engine.profiles).toEqual([
      { x: { min: [1, 16], opt: [2, 16], max: [4, 16] } },
      { x: { min: [8, 16], opt: [32, 16], max: [64, 16] } },
    ]);
    expect(engine.inputs[0]).toMatchObject({ name: 'x', dtype: 'float32', shape: [-1, 16], format: 'linear', location: 'device' });
    using small = engine.createContext();
    using large = engine.createContext({ profile: 1 });
    const x = (b: number) => Tensor.from('float32', new Float32Array(b * 16).fill(1), [b, 16]);
    expect((await small.run({ x: x(4) })).y!.dims).toEqual([4, 8]);
    expect((await large.run({ x: x(64) })).y!.dims).toEqual([64, 8]);
    const e = (await small.run({ x: x(8) }).catch((err: unknown) => err)) as InvalidInputError;
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.expected).toMatch(/1\.\.4/);
    const e2 = (await large.run({ x: x(4) }).catch((err: unknown) => err)) as InvalidInputError;
    expect(e2.expected).toMatch(/8\.\.64/);
  });

  it('a profile whose largest shape is empty: runs of the empty batch give empty outputs, with no CUDA error', async () => {
    // Found by fuzzing the CLI (run --shapes x:0x16): with no activation memory at all, the simulator resolved the
    // empty intermediate tensors' null addresses as an illegal access and poisoned the process. A kernel launches no
    // threads for an empty tensor, so nothing is accessed.
    const plan = await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [{ x: { min: [0, 16], opt: [0, 16], max: [0, 16] } }] });
    using runtime = Runtime.create({ backend: 'simulator' });
    using engine = await runtime.deserialize(plan);
    using context = engine.createContext();
    for (let i = 0; i < 2; i++) {
      const out = await context.run({ x: Tensor.from('float32', new Float32Array(0), [0, 16]) });
      expect(out.y!.dims).toEqual([0, 8]);
      expect(out.y!.data.length).toBe(0);
    }
    await expect(context.ping()).resolves.toBeUndefined();
  });

  it('a graph output that is also a graph input is kept, through an Identity, with the input renamed as TensorRT\'s parser does', async () => {
    // TensorRT does not let a network input be an output; its ONNX parser renames the input "__x" and outputs an
    // Identity of it as "x". The output used to be dropped without a word.
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [3])],
      outputs: [valueInfo('y', 'float32', [3]), valueInfo('x', 'float32', [3])],
      nodes: [node('Relu', ['x'], ['y'])],
    });
    using runtime = Runtime.create({ backend: 'simulator' });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    expect(engine.inputs.map((t) => t.name)).toEqual(['__x']);
    expect(engine.outputs.map((t) => t.name)).toEqual(['y', 'x']);
    using context = engine.createContext();
    const out = await context.run({ __x: Tensor.from('float32', Float32Array.of(-1, 0.5, 2), [3]) });
    expect(Array.from(out.x!.data as Float32Array)).toEqual([-1, 0.5, 2]);
    expect(Array.from(out.y!.data as Float32Array)).toEqual([0, 0.5, 2]);
  });

  it('reports progress in phases with steps, all of them before the promise settles', async () => {
    for (const failing of [false, true]) {
      const events: BuildProgress[] = [];
      const settled = buildEngine(getModel('embedding').onnx, {
        backend: 'simulator',
        // An int8 build without scales fails in its last phase, after its progress events.
        ...(failing ? { precision: 'int8' as const } : {}),
        profiles: [{ input_ids: { min: [1, 1], opt: [1, 4], max: [2, 8] } }],
        onProgress: (e) => events.push(e),
      }).then(() => 'built', () => 'failed');
      expect(await settled).toBe(failing ? 'failed' : 'built');
      const atSettlement = events.length;
      expect(events[0]).toEqual({ kind: 'start', phase: 'Building engine', steps: 3 });
      if (!failing) {
        expect(events.at(-1)).toEqual({ kind: 'finish', phase: 'Building engine' });
        expect(events.filter((e) => e.phase === 'Tactic selection' && e.kind === 'step').length).toBeGreaterThan(3);
      }
      for (let turn = 0; turn < 5; turn++) await new Promise((r) => setTimeout(r, 2));
      expect(events.length).toBe(atSettlement); // nothing came after
    }
  });

  it('an AbortSignal cancels the build through the progress monitor: ABORTED, nothing built', async () => {
    simulator.setBuildStepDelay(250); // a slow build, so the abort lands mid-way even on a loaded machine
    try {
      const builds = simulator.counters().builds;
      const controller = new AbortController();
      const phases: string[] = [];
      const e = await buildEngine(getModel('embedding').onnx, {
        backend: 'simulator',
        profiles: [{ input_ids: { min: [1, 1], opt: [1, 4], max: [2, 8] } }],
        onProgress: (event) => {
          phases.push(event.phase);
          if (event.kind === 'step') controller.abort();
        },
        signal: controller.signal,
      }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(AbortedError);
      expect(phases).not.toContain('Tactic selection');
      expect(simulator.counters().builds).toBe(builds);
    } finally {
      simulator.setBuildStepDelay(0);
    }
  });

  it("builds do not hold libuv's thread pool: a file read made while four run settles before any of them", async () => {
    // The pool has 4 threads, shared with every fs, dns and crypto call of the process: builds that take minutes on a
    // GPU used to occupy it, and the read waited for the first build to end.
    simulator.setBuildStepDelay(100);
    try {
      const settled: string[] = [];
      const builds = Array.from({ length: 4 }, (_, i) =>
        buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [PROFILES.mlp!] }).then(() => settled.push(`build ${i}`)),
      );
      await new Promise((resolve) => setTimeout(resolve, 50)); // all four started
      const read = readFile(__filename).then(() => settled.push('read'));
      await Promise.all([...builds, read]);
      expect(settled[0]).toBe('read');
    } finally {
      simulator.setBuildStepDelay(0);
    }
  });

  it('a calibration cache that is neither bytes nor a path: INVALID_ARGUMENT (a number was read as a file descriptor)', async () => {
    for (const calibrationCache of [0, 3, {}]) {
      const e = await buildEngine(getModel('mlp').onnx, { backend: 'simulator', precision: 'int8', profiles: [PROFILES.mlp!], calibrationCache: calibrationCache as never }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as Error).message).toMatch(/^the calibration cache must be its bytes or the path of its file, got /);
    }
  });

  it('an already aborted signal rejects before any work', async () => {
    const e = await buildEngine(getModel('mlp').onnx, { backend: 'simulator', signal: AbortSignal.abort() }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AbortedError);
  });

  it('an unsupported operator: BUILD_FAILED naming the node, its op type and index', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [2, 3])],
      nodes: [node('Relu', ['x'], ['r'], {}, 'relu_ok'), node('Unique', ['r'], ['y'], {}, 'the_unique')],
    });
    const e = (await buildEngine(onnx, { backend: 'simulator' }).catch((err: unknown) => err)) as BuildFailedError;
    expect(e).toBeInstanceOf(BuildFailedError);
    // TensorRT's parser looks for a plugin of the operator's name when it has no importer, and says only that.
    expect(e.details[0]).toBe('node 1 (the_unique, Unique): Plugin not found, are the plugin name, version, and namespace correct?');
    expect(e.details).toContain("TensorRT's ONNX parser has no importer for Unique, so it looked for a plugin of that name (version: the node's plugin_version attribute, or 1; namespace: its plugin_namespace, or none)");
  });

  it.each([
    ['DeformConv', node('DeformConv', ['x', 'w', 'r'], ['y'], {}, 'the_op')],
  ])('an operator TensorRT imports but the simulator does not model (%s): BUILD_FAILED saying so, not "no importer"', async (op, theNode) => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('c', 'bool', []), valueInfo('w', 'float32', [1, 12, 3]), valueInfo('r', 'float32', [1, 12, 3])],
      outputs: [valueInfo('y', 'float32', [])],
      nodes: [theNode],
    });
    const e = (await buildEngine(onnx, { backend: 'simulator' }).catch((err: unknown) => err)) as BuildFailedError;
    expect(e).toBeInstanceOf(BuildFailedError);
    expect(e.details[0]).toBe(`node 0 (the_op, ${op}): ${op} is imported by TensorRT's ONNX parser but not modelled by the simulator (the README lists the operators it computes).`);
  });

  it('a shape mismatch inside the graph: BUILD_FAILED naming the node', async () => {
    const onnx = model({
      inputs: [valueInfo('a', 'float32', [2, 3]), valueInfo('b', 'float32', [4, 5])],
      outputs: [valueInfo('y', 'float32', [2, 5])],
      nodes: [node('MatMul', ['a', 'b'], ['y'], {}, 'mm')],
    });
    const e = (await buildEngine(onnx, { backend: 'simulator' }).catch((err: unknown) => err)) as BuildFailedError;
    expect(e).toBeInstanceOf(BuildFailedError);
    expect(e.details[0]).toMatch(/node 0 \(mm, MatMul\)/);
    expect(e.details[0]).toMatch(/3.*4|4.*3/);
  });

  it('a dynamic input without a profile: BUILD_FAILED with TensorRT\'s message', async () => {
    const e = (await buildEngine(getModel('mlp').onnx, { backend: 'simulator' }).catch((err: unknown) => err)) as BuildFailedError;
    expect(e).toBeInstanceOf(BuildFailedError);
    expect(e.message).toMatch(/Network has dynamic or shape inputs, but no optimization profile has been defined\./);
  });

  it('garbage instead of ONNX: BUILD_FAILED from the parser', async () => {
    const e = (await buildEngine(new Uint8Array([1, 2, 3, 4, 5]), { backend: 'simulator' }).catch((err: unknown) => err)) as BuildFailedError;
    expect(e).toBeInstanceOf(BuildFailedError);
    expect(e.details[0]).toMatch(/Failed to parse ONNX model/);
  });

  it('an unknown hardwareCompatibility: INVALID_ARGUMENT listing the levels, before any build', async () => {
    const builds = simulator.counters().builds;
    const e = await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [PROFILES.mlp!], hardwareCompatibility: 'turing+' as never }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe('hardwareCompatibility must be one of none, ampere+, same-compute-capability, got "turing+"');
    expect(simulator.counters().builds).toBe(builds);
  });

  it('a workspace that is not a safe byte count, or an optimization level outside 0-5: INVALID_ARGUMENT, before any build', async () => {
    const builds = simulator.counters().builds;
    const refused = async (extra: object) =>
      (await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [PROFILES.mlp!], ...extra }).catch((err: unknown) => err)) as Error;
    const huge = await refused({ workspaceBytes: 2 ** 60 });
    expect(huge).toBeInstanceOf(InvalidArgumentError);
    expect(huge.message).toBe('workspaceBytes must be an integer from 0, got 1152921504606847000');
    expect(await refused({ workspaceBytes: -1 })).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await refused({ optimizationLevel: 99 })).message).toBe('optimizationLevel must be an integer from 0 to 5, got 99');
    expect(simulator.counters().builds).toBe(builds);
  });

  it('a profile with min > max, or of mixed ranks: INVALID_ARGUMENT naming the input and its range, before any build', async () => {
    const builds = simulator.counters().builds;
    const refused = async (x: { min: number[]; opt: number[]; max: number[] }) =>
      (await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [{ x }] }).catch((err: unknown) => err)) as InvalidArgumentError;
    const e = await refused({ min: [8, 16], opt: [4, 16], max: [2, 16] });
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e).toMatchObject({ tensor: 'x', expected: 'min <= opt <= max in every dim', actual: 'min [8,16], opt [4,16], max [2,16]' });
    expect(e.message).toBe("profile 0, input 'x': needs min <= opt <= max in every dim (non-negative integers, one rank), got min [8,16], opt [4,16], max [2,16]");
    expect(await refused({ min: [1, 16], opt: [2, 16], max: [4] })).toMatchObject({ code: 'INVALID_ARGUMENT', actual: 'min [1,16], opt [2,16], max [4]' });
    expect(await refused({ min: [-1, 16], opt: [2, 16], max: [4, 16] })).toMatchObject({ code: 'INVALID_ARGUMENT', tensor: 'x' });
    expect(await refused({ min: [1, 16], opt: [2.5, 16], max: [4, 16] })).toMatchObject({ code: 'INVALID_ARGUMENT', actual: 'min [1,16], opt [2.5,16], max [4,16]' });
    expect(simulator.counters().builds).toBe(builds);
  });

  it('a profile the model refuses (another rank than the input): BUILD_FAILED naming the input', async () => {
    const e = await buildEngine(getModel('mlp').onnx, { backend: 'simulator', profiles: [{ x: { min: [1], opt: [2], max: [4] } }] }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BuildFailedError);
    expect((e as Error).message).toMatch(/Error Code 4: Configuration Error \(Optimization profile 0 dimensions \[1\] for input x do not match the network input dimensions \[-1,16\]\.\)/);
  });
});
