// Malformed engines and models never crash the process: seeded random mutations of a valid plan (with its checksum
// recomputed, so the body decoder itself is exercised) and of valid ONNX bytes each give a typed error or a
// working result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Runtime, Tensor, TensorRTNodeError, buildEngine, loadPluginLibrary, plugins } from '../lib/index.js';
import { DTYPES, isDType } from '../lib/dtypes.js';
import { simulator } from '../lib/testing/index.js';
import { rng } from './models/rng.js';
import { getModel } from './models/index.js';
import { floatAttr, floatsAttr, graphAttr, model, node, tensor, tensorAttr, valueInfo } from './models/onnx-builder.js';
import { PROFILES, simulatorPlan } from './helpers/engines.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

// Layers whose behaviour hangs on attributes: cubic Resize, LRN, GridSample, Hardmax, LpPool, MVN, GatherND and
// ReverseSequence on one 4-D input, a bidirectional LSTM (a list of strings: its activations) on a sequence, an If
// whose branches (graphs in the plan) read the graph's tensors, a Loop over the If's result, and a Scan.
function attributeHeavyModel(): Uint8Array {
  const grid = Array.from({ length: 18 }, (_, i) => Math.sin(i) * 1.2);
  return model({
    inputs: [valueInfo('x', 'float32', [1, 4, 5, 6]), valueInfo('seq', 'float32', [3, 2, 4]), valueInfo('seq_lens', 'int32', [2]), valueInfo('c', 'bool', [])],
    outputs: [valueInfo('resized', 'float32', []), valueInfo('hard', 'float32', []), valueInfo('reversed', 'float32', []), valueInfo('last', 'float32', []), valueInfo('looped', 'float32', []), valueInfo('scanned', 'float32', []), valueInfo('swept', 'float32', [])],
    initializers: [
      tensor('scales', 'float32', [4], [1, 1, 1.5, 1.5]),
      tensor('grid', 'float32', [1, 3, 3, 2], grid),
      tensor('rows', 'int64', [2, 2], [0n, 1n, 0n, 3n]),
      tensor('lens', 'int64', [4], [2n, 0n, 1n, 2n]),
      tensor('W', 'float32', [2, 12, 4], Array.from({ length: 96 }, (_, i) => Math.cos(i) / 2)),
      tensor('R', 'float32', [2, 12, 3], Array.from({ length: 72 }, (_, i) => Math.sin(i) / 2)),
      tensor('P', 'float32', [2, 9], Array.from({ length: 18 }, (_, i) => i / 18)),
      tensor('trips', 'int64', [], [3n]),
      tensor('yes', 'bool', [], [true]),
    ],
    nodes: [
      node('LRN', ['x'], ['lrn'], { size: 3, alpha: floatAttr(0.5) }),
      node('Resize', ['lrn', '', 'scales'], ['resized'], { mode: 'cubic', exclude_outside: 1, cubic_coeff_a: floatAttr(-0.5) }),
      node('GridSample', ['lrn', 'grid'], ['sampled'], { mode: 'bicubic', padding_mode: 'reflection' }),
      node('Hardmax', ['sampled'], ['hard'], { axis: 1 }),
      node('LpPool', ['lrn'], ['pooled'], { kernel_shape: [2, 2], p: 2 }),
      node('MeanVarianceNormalization', ['pooled'], ['normalized']),
      node('GatherND', ['normalized', 'rows'], ['gathered']),
      node('ReverseSequence', ['gathered', 'lens'], ['reversed'], { batch_axis: 1, time_axis: 0 }),
      node('LSTM', ['seq', 'W', 'R', '', 'seq_lens', '', '', 'P'], ['', 'last'], {
        hidden_size: 3,
        direction: 'bidirectional',
        activations: ['HardSigmoid', 'Tanh', 'Softsign', 'HardSigmoid', 'Tanh', 'Softsign'],
        activation_alpha: floatsAttr([0.3, 0.3]),
        clip: floatAttr(2),
      }),
      node('If', ['c'], ['chosen'], {
        then_branch: graphAttr('then', [valueInfo('t', 'float32', [])], [node('Mul', ['last', 'last'], ['t'])]),
        else_branch: graphAttr('else', [valueInfo('e', 'float32', [])], [
          node('Constant', [], ['half'], { value: tensorAttr(tensor('half', 'float32', [], [0.5])) }),
          node('Pow', ['last', 'half'], ['e']),
        ]),
      }),
      node('Scan', ['trips_f', 'seq'], ['', 'swept'], {
        num_scan_inputs: 1,
        scan_input_directions: [1],
        body: graphAttr('scan_body', [valueInfo('acc_out', 'float32', []), valueInfo('row_sum', 'float32', [])], [
          node('ReduceSum', ['step'], ['row_sum'], { keepdims: 0 }),
          node('Add', ['acc_in', 'row_sum'], ['acc_out']),
        ], [valueInfo('acc_in', 'float32', []), valueInfo('step', 'float32', [])]),
      }),
      node('Cast', ['trips'], ['trips_f'], { to: 1 }),
      node('Loop', ['trips', 'yes', 'chosen'], ['looped', 'scanned'], {
        body: graphAttr('body', [valueInfo('more', 'bool', []), valueInfo('v_out', 'float32', []), valueInfo('each', 'float32', [])], [
          node('Identity', ['cond_in'], ['more']),
          node('Add', ['v_in', 'v_in'], ['v_out']),
          node('Mul', ['v_out', 'v_in'], ['each']),
        ], [valueInfo('i', 'int64', []), valueInfo('cond_in', 'bool', []), valueInfo('v_in', 'float32', [])]),
      }),
    ],
    opset: 17,
  });
}

// Plugin layers of both kinds and of every source: EfficientNMS_TRT (standard, legacy IPluginV2 kind), Clamp_TRTN
// (a library that registers itself when opened) and Swish_TRTN (one exporting getCreators) inside an If branch.
// Loads the two test libraries (once per process).
function pluginModel(): Uint8Array {
  const dir = path.dirname(plugins({ backend: 'simulator' }).standard.path!);
  for (const library of ['libtrtsim_test_plugins.so', 'libtrtsim_test_static_plugins.so']) loadPluginLibrary(path.join(dir, library), { backend: 'simulator' });
  return model({
    inputs: [valueInfo('boxes', 'float32', [1, 6, 4]), valueInfo('scores', 'float32', [1, 6, 3]), valueInfo('c', 'bool', [])],
    outputs: [valueInfo('num', 'int32', [1, 1]), valueInfo('kept', 'float32', [1, 4, 4]), valueInfo('best', 'float32', [1, 4]), valueInfo('classes', 'int32', [1, 4])],
    nodes: [
      node('Clamp_TRTN', ['boxes'], ['clamped'], { min: floatAttr(0), max: floatAttr(50) }),
      node('If', ['c'], ['activated'], {
        then_branch: graphAttr('then', [valueInfo('s', 'float32', [])], [node('Swish_TRTN', ['scores'], ['s'], { beta: floatAttr(1.5) })]),
        else_branch: graphAttr('else', [valueInfo('n', 'float32', [])], [node('Neg', ['scores'], ['n'])]),
      }),
      node('EfficientNMS_TRT', ['clamped', 'activated'], ['num', 'kept', 'best', 'classes'], {
        score_threshold: floatAttr(0.2), iou_threshold: floatAttr(0.5), max_output_boxes: 4, background_class: -1, score_activation: 1, box_coding: 0, plugin_version: '1',
      }),
    ],
  });
}

// The simulator's plan: 40-byte header, FNV-1a 64 of the body at offset 32 (see native/sim/nvinfer/plan.h).
function resealed(plan: Uint8Array): Uint8Array {
  let h = 0xcbf29ce484222325n;
  for (let i = 40; i < plan.length; i++) {
    h ^= BigInt(plan[i]!);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  new DataView(plan.buffer, plan.byteOffset).setBigUint64(32, h, true);
  return plan;
}

function mutate(bytes: Uint8Array, seed: number, from: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(bytes);
  const flips = 1 + r.int(0, 4);
  for (let k = 0; k < flips; k++) {
    const at = r.int(from, out.length);
    out[at] = r.int(0, 256);
  }
  return out;
}

// Whole words set to edge values (-1, 2^31, 2^24, 0, 2^62...) reach counts, indices, type codes and extents, which
// single random bytes rarely make consistent enough to load.
function mutateWords(bytes: Uint8Array, seed: number, from: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(bytes);
  const view = new DataView(out.buffer);
  const edits = 1 + r.int(0, 4);
  for (let k = 0; k < edits; k++) {
    const at = r.int(from, out.length - 8);
    if (r.int(0, 2) === 0) view.setUint32(at, [0xffffffff, 0x7fffffff, 0x80000000, 0x1000000, 0, 1, 2][r.int(0, 7)]!, true);
    else view.setBigInt64(at, [-1n, 2n ** 62n, 2n ** 40n, 0n][r.int(0, 4)]!, true);
  }
  return out;
}

// Deserializes `seeds` copies of `plan` with edge values written over words of its body (checksum resealed) and runs
// each engine that loads; every failure must be a typed error. Counts the plans rejected at deserialize and loaded.
async function fuzzPlanWords(plan: Uint8Array, label: string, seeds: number): Promise<{ rejected: number; loaded: number }> {
  let rejected = 0;
  let loaded = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const bad = resealed(mutateWords(plan, seed, 40));
    let engine;
    try {
      engine = await runtime.deserialize(bad);
    } catch (error) {
      expect(error, `${label} seed ${seed}`).toBeInstanceOf(TensorRTNodeError);
      rejected++;
      continue;
    }
    loaded++;
    try {
      const context = engine.createContext();
      // Inputs as the damaged engine describes them (at its first profile's opt shape), so they pass validation
      // and reach the kernels.
      const feeds: Record<string, Tensor> = {};
      for (const input of engine.inputs) {
        const range = engine.profiles[0]?.[input.name];
        const dims = (range?.opt ?? input.shape).map((d) => Math.max(d, 1));
        const size = dims.reduce((a, b) => a * b, 1);
        if (!isDType(input.dtype) || size > 1 << 20) continue;
        const data = new DTYPES[input.dtype].typedArray(size);
        // A shape tensor input gets its profile's opt values (zeros may be outside the range).
        range?.values?.opt.forEach((v, i) => { (data as Int32Array | BigInt64Array)[i] = (data instanceof BigInt64Array ? BigInt(v) : v) as never; });
        feeds[input.name] = new Tensor(input.dtype, data as never, dims);
      }
      await context.run(feeds).catch((error: unknown) => expect(error, `${label} seed ${seed} run`).toBeInstanceOf(TensorRTNodeError));
      // A corrupt engine may fault "on the device". Cleared before the frees, which a poisoned device refuses (the
      // memory would stay allocated, as on a GPU), so the next seed starts clean and nothing leaks.
      simulator.clearStickyError();
      context.dispose();
    } catch (error) {
      expect(error, `${label} seed ${seed} context`).toBeInstanceOf(TensorRTNodeError);
    }
    simulator.clearStickyError();
    engine.dispose();
    // The frees run later, on the reaper thread and the device timeline: let them finish before the next seed can
    // poison the device, or they would fail and leave the memory allocated.
    simulator.synchronize();
  }
  return { rejected, loaded };
}

describe('robustness against malformed input', () => {
  it('a resealed copy of a valid plan loads: the fuzzing below reaches the body decoder, not only the checksum', async () => {
    // The reseal once used another offset basis than the simulator's checksum, so every mutated plan below was
    // rejected for its checksum and the decoder was never fuzzed.
    const engine = await runtime.deserialize(resealed(new Uint8Array(await simulatorPlan('mlp'))));
    expect(engine.inputs.length).toBeGreaterThan(0);
    engine.dispose();
  });

  it('4000 plans with edge values written over words of the body (checksum resealed): typed errors or working engines, never a crash', async () => {
    // Found by fuzzing the raw addon: the plan reader took such plans whose profiles, IO lists, tensor types or
    // constants contradicted the layers, and a run or a set shape then read and wrote past their memory (SIGSEGV,
    // heap corruption). Now every such contradiction is ENGINE_CORRUPT at deserialize.
    let rejected = 0;
    let loaded = 0;
    for (const name of ['mlp', 'embedding'] as const) {
      const counts = await fuzzPlanWords(await simulatorPlan(name), name, 2000);
      rejected += counts.rejected;
      loaded += counts.loaded;
    }
    // Edits that land in weights load; edits to structure are refused. Both must be common for the test to mean much.
    expect(rejected).toBeGreaterThan(1000);
    expect(loaded).toBeGreaterThan(1000);
  });

  it('2000 such plans of a model whose layers read many attributes (GridSample, cubic Resize, LRN, GatherND, LSTM, If, Loop, Scan, ...)', async () => {
    // The attributes come back from the plan through each operator's factory, which must refuse what it cannot take.
    const plan = await buildEngine(attributeHeavyModel(), { backend: 'simulator' });
    const { rejected, loaded } = await fuzzPlanWords(plan, 'attribute-heavy', 2000);
    expect(rejected).toBeGreaterThan(500);
    expect(loaded).toBeGreaterThan(100);
  });

  it('1000 such plans of a model with shape tensor inputs and a shape tensor output: their profile values, and a context reading and writing them per run', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('target', 'int64', [2]), valueInfo('limit', 'int32', [])],
      outputs: [valueInfo('y', 'float32', ['a', 'b']), valueInfo('ids', 'int32', ['len']), valueInfo('yDims', 'int64', [2])],
      initializers: [tensor('zero', 'int32', [], [0]), tensor('one', 'int32', [], [1])],
      nodes: [node('Reshape', ['x', 'target'], ['y']), node('Range', ['zero', 'limit', 'one'], ['ids']), node('Shape', ['y'], ['yDims'])],
    });
    const plan = await buildEngine(onnx, {
      backend: 'simulator',
      shapeOutputs: ['yDims'],
      profiles: [{ x: { min: [1, 4], opt: [2, 4], max: [8, 4] }, target: { values: { min: [-1, 1], opt: [2, 4], max: [32, 32] } }, limit: { values: { min: [0], opt: [5], max: [64] } } }],
    });
    const { rejected, loaded } = await fuzzPlanWords(plan, 'shape-tensors', 1000);
    // A plan with no weights to speak of: most edits land in structure (about 960 refused, 40 loaded, by seed).
    expect(rejected).toBeGreaterThan(500);
    expect(loaded).toBeGreaterThan(25);
  });

  it('1000 such plans of a model with IO in other formats (chw32, hwc): the format bits, and contexts converting per run', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['n', 3, 2, 2])],
      outputs: [valueInfo('y', 'float32', ['n', 3, 2, 2])],
      nodes: [node('Neg', ['x'], ['y'])],
    });
    const plan = await buildEngine(onnx, {
      backend: 'simulator',
      ioFormats: { x: 'chw32', y: 'hwc' },
      profiles: [{ x: { min: [1, 3, 2, 2], opt: [2, 3, 2, 2], max: [8, 3, 2, 2] } }],
    });
    const { rejected, loaded } = await fuzzPlanWords(plan, 'io-formats', 1000);
    // Almost all structure (974 refused, 26 loaded, by seed): the loaded ones reach the conversions.
    expect(rejected).toBeGreaterThan(500);
    expect(loaded).toBeGreaterThan(15);
  });

  it('3000 such plans of a model with plugin layers (EfficientNMS_TRT, and one custom plugin of each kind, one inside an If): their type words, versions, namespaces and fields', async () => {
    // ROIAlign_TRT is left out on purpose: its sampling_ratio field sets a per-bin loop that the kernel runs however
    // large it is (up to 2^31 squared samples, on a GPU as in the simulator), so an edit there hangs the run.
    const onnx = pluginModel();
    const plan = await buildEngine(onnx, { backend: 'simulator' });
    const { rejected, loaded } = await fuzzPlanWords(plan, 'plugins', 3000);
    // Mostly structure (2847 refused, 153 loaded, by seed).
    expect(rejected).toBeGreaterThan(1500);
    expect(loaded).toBeGreaterThan(75);
  });

  it('300 mutated plan bodies (checksum resealed): typed errors, or engines that run or fail with typed errors; never a crash', async () => {
    const plan = await simulatorPlan('embedding');
    const feeds = getModel('embedding').makeFeeds({ seed: 9 });
    let rejected = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const bad = resealed(mutate(plan, seed, 40));
      try {
        const engine = await runtime.deserialize(bad);
        try {
          const context = engine.createContext();
          await context.run(feeds).catch((error: unknown) => expect(error, `seed ${seed} run`).toBeInstanceOf(TensorRTNodeError));
          simulator.clearStickyError(); // before the frees, as in fuzzPlanWords
          context.dispose();
        } catch (error) {
          expect(error, `seed ${seed} context`).toBeInstanceOf(TensorRTNodeError);
        }
        simulator.clearStickyError();
        engine.dispose();
        simulator.synchronize(); // as in fuzzPlanWords
      } catch (error) {
        expect(error, `seed ${seed}`).toBeInstanceOf(TensorRTNodeError);
        expect(['ENGINE_CORRUPT', 'ENGINE_INCOMPATIBLE', 'OUT_OF_MEMORY']).toContain((error as TensorRTNodeError).code);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(100);
  });

  it('600 mutated ONNX models with plugin nodes (RoiAlign, EfficientNMS_TRT, custom ones, one in an If): BUILD_FAILED or a built engine, never a crash', async () => {
    // The parser's plugin paths: RoiAlign's importer, the fallback importer, the fields each creator takes.
    const roiAlign = model({
      opset: 16,
      inputs: [valueInfo('X', 'float32', [1, 2, 8, 8]), valueInfo('rois', 'float32', [3, 4]), valueInfo('batch', 'int64', [3])],
      outputs: [valueInfo('Y', 'float32', [3, 2, 2, 2])],
      nodes: [node('RoiAlign', ['X', 'rois', 'batch'], ['Y'], { output_height: 2, output_width: 2, sampling_ratio: 2, spatial_scale: floatAttr(0.5) })],
    });
    let failed = 0;
    for (const [label, onnx] of [['RoiAlign', roiAlign], ['plugins', pluginModel()]] as const) {
      for (let seed = 1; seed <= 300; seed++) {
        try {
          await buildEngine(mutate(onnx, 5000 + seed, 0), { backend: 'simulator' });
        } catch (error) {
          expect(error, `${label} seed ${seed}`).toBeInstanceOf(TensorRTNodeError);
          expect((error as TensorRTNodeError).code, `${label} seed ${seed}`).toBe('BUILD_FAILED');
          failed++;
        }
      }
    }
    expect(failed).toBeGreaterThan(400); // small models: most edits land in structure (547 of 600, by seed)
  });

  it('200 mutated ONNX models: BUILD_FAILED (naming the problem) or a built engine, never a crash', async () => {
    const onnx = getModel('mlp').onnx;
    let failed = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const bad = mutate(onnx, 1000 + seed, 0);
      try {
        await buildEngine(bad, { backend: 'simulator', profiles: [PROFILES.mlp!] });
      } catch (error) {
        expect(error, `seed ${seed}`).toBeInstanceOf(TensorRTNodeError);
        expect((error as TensorRTNodeError).code).toBe('BUILD_FAILED');
        expect((error as TensorRTNodeError).message.length).toBeGreaterThan(10);
        failed++;
      }
    }
    expect(failed).toBeGreaterThan(10); // most single-byte changes land in weights and still build
  });
});
