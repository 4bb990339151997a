// TensorRT plugins: layers that TensorRT's own library does not implement, found by name, version and namespace in
// the process's plugin registry. Checked here: TensorRT's standard plugins are registered when a backend loads (the
// ONNX parser imports RoiAlign as ROIAlign_TRT, whose results are compared with onnxruntime-node on the same model,
// importer quirks included); a custom plugin library loads with loadPluginLibrary or the pluginLibraries options, and
// an operator without an importer becomes its plugin; what fails without the library (the parse, the
// deserialization, naming the plugin) and the refusals of bad libraries.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BuildFailedError, EngineStore, InvalidArgumentError, LibraryNotFoundError, Runtime, Tensor, buildEngine, describeOnnx, loadPluginLibrary, plugins,
} from '../lib/index.js';
import { sidecarPathOf } from '../lib/store/index.js';
import { packageRoot } from '../lib/native.js';
import { expectLikeOrt, runOrt } from './helpers/ort.js';
import { RAW_SETTLEMENTS } from './helpers/raw-addon.js';
import type { NodeProto } from './models/onnx-builder.js';
import { graphAttr, model, node, tensor, valueInfo } from './models/onnx-builder.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

const standardLibrary = () => plugins({ backend: 'simulator' }).standard.path!;
const simulatorDir = () => path.dirname(standardLibrary());
// The custom plugin libraries built with the simulator for these tests: one exporting getCreators, with Swish_TRTN
// (version 1), y = x * sigmoid(beta x); one registering its creator when loaded, with Clamp_TRTN, Clip's twin.
const swishLibrary = () => path.join(simulatorDir(), 'libtrtsim_test_plugins.so');
const clampLibrary = () => path.join(simulatorDir(), 'libtrtsim_test_static_plugins.so');

// ---- RoiAlign: the standard ROIAlign_TRT plugin --------------------------------------------------------------------

type RoiAttrs = Record<string, number | string>;
function roiAlignOnnx(attrs: RoiAttrs, opset = 16, roisWidth: number | string = 4) {
  return model({
    opset,
    inputs: [valueInfo('X', 'float32', [2, 3, 10, 12]), valueInfo('rois', 'float32', ['r', roisWidth]), valueInfo('batch', 'int64', ['r'])],
    outputs: [valueInfo('Y', 'float32', ['r', 3, 'h', 'w'])],
    nodes: [node('RoiAlign', ['X', 'rois', 'batch'], ['Y'], attrs)],
  });
}
const roiProfile = { X: { min: [2, 3, 10, 12], opt: [2, 3, 10, 12], max: [2, 3, 10, 12] }, rois: { min: [1, 4], opt: [4, 4], max: [8, 4] }, batch: { min: [1], opt: [4], max: [8] } };

// Regions in input coordinates (spatial_scale maps them onto X): inside, across the borders, tiny and inverted.
const REGIONS = [
  [0, 0, 23, 19], [4.5, 2.25, 14, 9.5], [-6, -3, 8, 30], [20, 15, 40, 30], [7, 7, 7.2, 7.1], [9, 6, 3, 2],
];
function roiFeeds(count: number) {
  const x = Float32Array.from({ length: 2 * 3 * 10 * 12 }, (_, i) => Math.sin(i * 0.37) * 3 + (i % 7) * 0.25);
  return {
    X: Tensor.from('float32', x, [2, 3, 10, 12]),
    rois: Tensor.from('float32', Float32Array.from(REGIONS.slice(0, count).flat()), [count, 4]),
    batch: Tensor.from('int64', BigInt64Array.from(REGIONS.slice(0, count).map((_, i) => BigInt(i % 2))), [count]),
  };
}

async function runRoiAlign(onnx: Uint8Array, count: number) {
  using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [roiProfile] }));
  using context = engine.createContext();
  const feeds = roiFeeds(count);
  return { feeds, result: await context.run(feeds) };
}

describe("TensorRT's standard plugins", () => {
  it('are registered when the backend loads: ROIAlign_TRT version 2, from the stand-in of libnvinfer_plugin', () => {
    const status = plugins({ backend: 'simulator' });
    expect(path.basename(status.standard.path!)).toBe('libtrtsim_nvinfer_plugin.so');
    expect(status.standard.tried).toEqual([]);
    expect(status.creators).toContainEqual({ name: 'ROIAlign_TRT', version: '2', namespace: '', kind: 'v3', library: standardLibrary() });
  });

  it.each([
    ['opset 16, avg, half_pixel, 2x2 samples, spatial_scale 0.5', { mode: 'avg', output_height: 3, output_width: 4, sampling_ratio: 2, spatial_scale: 0.5 }, 16],
    ['opset 16, max, output_half_pixel, adaptive samples', { mode: 'max', coordinate_transformation_mode: 'output_half_pixel', output_height: 2, output_width: 3, sampling_ratio: 0, spatial_scale: 0.5 }, 16],
    ['opset 10 (output_half_pixel always), avg, adaptive samples', { output_height: 2, output_width: 2, sampling_ratio: 0, spatial_scale: 0.25 }, 10],
  ] as const)('RoiAlign (%s) computes what onnxruntime computes, for 1 and 6 regions', async (_, attrs, opset) => {
    const onnx = roiAlignOnnx(attrs, opset);
    for (const count of [1, 6]) {
      const { feeds, result } = await runRoiAlign(onnx, count);
      expect(result.Y.dims).toEqual([count, 3, attrs.output_height, attrs.output_width]);
      await expectLikeOrt(onnx, feeds, result);
    }
  });

  it("samples as TensorRT's importer does when sampling_ratio is left out: 1 per bin axis, where onnxruntime adapts", async () => {
    const { feeds, result } = await runRoiAlign(roiAlignOnnx({ output_height: 2, output_width: 2, spatial_scale: 0.5 }), 6);
    await expectLikeOrt(roiAlignOnnx({ output_height: 2, output_width: 2, spatial_scale: 0.5, sampling_ratio: 1 }), feeds, result);
    const adaptive = await runOrt(roiAlignOnnx({ output_height: 2, output_width: 2, spatial_scale: 0.5 }), feeds as never);
    const ours = result.Y.data as Float32Array;
    const largest = Math.max(...Array.from(ours, (v, i) => Math.abs(v - (adaptive.Y.data as Float32Array)[i])));
    expect(largest).toBeGreaterThan(0.05); // the first region spans 6x5 pixels per bin: 1 sample is not their mean
  });

  it("averages a region of zero width to NaN, as the plugin's kernel divides by its sample count of 0 (onnxruntime gives 0)", async () => {
    // half_pixel with adaptive sampling. [3, 3, 3, 8] has ceil(0) = 0 samples across and 2 down: 0 samples, 0 / 0.
    // [9, 6, 3, 2] is inverted on both axes: ceil(-1) = -1 twice, no sample taken, yet a count of 1, so 0 / 1 = 0.
    const onnx = roiAlignOnnx({ mode: 'avg', output_height: 2, output_width: 2, sampling_ratio: 0, spatial_scale: 0.5 });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [roiProfile] }));
    using context = engine.createContext();
    const regions = [[0, 0, 23, 19], [3, 3, 3, 8], [9, 6, 3, 2]];
    const feeds = {
      ...roiFeeds(1),
      rois: Tensor.from('float32', Float32Array.from(regions.flat()), [3, 4]),
      batch: Tensor.from('int64', BigInt64Array.from([0n, 1n, 0n]), [3]),
    };
    const ours = Array.from((await context.run(feeds)).Y.data as Float32Array);
    const theirs = Array.from((await runOrt(onnx, feeds as never)).Y.data as Float32Array);
    const perRegion = 3 * 2 * 2;
    expect(ours.slice(perRegion, 2 * perRegion)).toEqual(new Array(perRegion).fill(NaN));
    expect(theirs.slice(perRegion, 2 * perRegion)).toEqual(new Array(perRegion).fill(0));
    expect(ours.slice(2 * perRegion)).toEqual(new Array(perRegion).fill(0));
    ours.slice(0, perRegion).forEach((v, i) => expect(v).toBeCloseTo(theirs[i]!, 5));
  });

  it('an engine with the plugin layer round-trips through its plan and runs on the launcher thread too', async () => {
    const onnx = roiAlignOnnx({ output_height: 3, output_width: 3, sampling_ratio: 2, spatial_scale: 0.5 });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [roiProfile] }));
    using again = await runtime.deserialize(engine.serialize());
    expect(again.inputs).toEqual(engine.inputs);
    using context = again.createContext({ enqueueOn: 'launcher' });
    const feeds = roiFeeds(5);
    await expectLikeOrt(onnx, feeds, await context.run(feeds));
  });

  it('RoiAlign inside an If branch and a Loop body is the plugin too (batch indices cast to int32), as onnxruntime computes it', async () => {
    // y = If(c) then RoiAlign(X, rois, batch) else RoiAlign with other attributes; z = a Loop whose body pools the
    // carried X's regions three times, adding up the pooled values.
    const pooled = [3, 3, 2, 2];
    const roi = (out: string, attrs: RoiAttrs, x = 'X') => node('RoiAlign', [x, 'rois', 'batch'], [out], { output_height: 2, output_width: 2, ...attrs });
    const onnx = model({
      opset: 16,
      inputs: [valueInfo('c', 'bool', []), valueInfo('X', 'float32', [2, 3, 10, 12]), valueInfo('rois', 'float32', [3, 4]), valueInfo('batch', 'int64', [3])],
      outputs: [valueInfo('y', 'float32', pooled), valueInfo('z', 'float32', pooled)],
      initializers: [tensor('trips', 'int64', [], [3n]), tensor('yes', 'bool', [], [true]), tensor('zero', 'float32', pooled, new Array(36).fill(0))],
      nodes: [
        node('If', ['c'], ['y'], {
          then_branch: graphAttr('then', [valueInfo('t', 'float32', pooled)], [roi('t', { sampling_ratio: 2, spatial_scale: 0.5 })]),
          else_branch: graphAttr('else', [valueInfo('e', 'float32', pooled)], [roi('e', { mode: 'max', sampling_ratio: 1, spatial_scale: 0.25 })]),
        }),
        node('Loop', ['trips', 'yes', 'zero'], ['z'], {
          body: graphAttr('body', [valueInfo('more', 'bool', []), valueInfo('acc_out', 'float32', pooled)], [
            node('Identity', ['cond_in'], ['more']),
            roi('step', { sampling_ratio: 2, spatial_scale: 0.5 }),
            node('Add', ['acc_in', 'step'], ['acc_out']),
          ], [valueInfo('i', 'int64', []), valueInfo('cond_in', 'bool', []), valueInfo('acc_in', 'float32', pooled)]),
        }),
      ],
    });
    expect((await describeOnnx(onnx, { backend: 'simulator' })).plugins).toEqual([{ name: 'ROIAlign_TRT', version: '2', namespace: '', kind: 'v3', library: standardLibrary() }]);
    using built = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using engine = await runtime.deserialize(built.serialize());
    using context = engine.createContext();
    const { X } = roiFeeds(1);
    for (const c of [true, false]) {
      const feeds = {
        c: Tensor.from('bool', Uint8Array.of(c ? 1 : 0), []),
        X,
        rois: Tensor.from('float32', Float32Array.from(REGIONS.slice(0, 3).flat()), [3, 4]),
        batch: Tensor.from('int64', BigInt64Array.of(1n, 0n, 1n), [3]),
      };
      await expectLikeOrt(onnx, feeds, await context.run(feeds));
    }
  });

  it('describeOnnx reads a model with RoiAlign through the parser', async () => {
    const spec = await describeOnnx(roiAlignOnnx({ output_height: 2, output_width: 2 }), { backend: 'simulator' });
    expect(spec.outputs).toEqual([{ name: 'Y', dtype: 'float32', shape: [-1, 3, 2, 2], shapeTensor: false }]);
  });

  it("rois that are not [num_rois, 4] are refused at parse time, in the importer's words", async () => {
    const error = await buildEngine(roiAlignOnnx({}, 16, 5), { backend: 'simulator' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).toContain('Found incorrect dimensions for ROIs input! Rank of ROI input = 2, roiDims.d[1] = 5.');
  });
});

// ---- custom plugin libraries ----------------------------------------------------------------------------------------

// y = Swish_TRTN(x; beta) as a plugin node, and the same function in standard operators for onnxruntime.
const SWISH_DIMS = [3, 5];
function swishOnnx(attrs: Record<string, number | string> = { beta: 1.5 }, domain = '') {
  const swish = node('Swish_TRTN', ['x'], ['y'], attrs);
  swish.domain = domain;
  return model({ inputs: [valueInfo('x', 'float32', SWISH_DIMS)], outputs: [valueInfo('y', 'float32', SWISH_DIMS)], nodes: [swish] });
}
const swishReferenceOnnx = model({
  inputs: [valueInfo('x', 'float32', SWISH_DIMS)],
  outputs: [valueInfo('y', 'float32', SWISH_DIMS)],
  initializers: [tensor('beta', 'float32', [], [1.5])],
  nodes: [node('Mul', ['x', 'beta'], ['bx']), node('Sigmoid', ['bx'], ['s']), node('Mul', ['x', 's'], ['y'])],
});
const swishFeeds = () => ({ x: Tensor.from('float32', Float32Array.from({ length: 15 }, (_, i) => (i - 7) * 0.6), SWISH_DIMS) });

// y = If(c) then Swish(x) else Neg(x): a plugin layer inside a branch; the reference writes Swish in Sigmoid and Mul.
function branchOnnx(swish: NodeProto[]) {
  return model({
    inputs: [valueInfo('c', 'bool', []), valueInfo('x', 'float32', SWISH_DIMS)],
    outputs: [valueInfo('y', 'float32', SWISH_DIMS)],
    initializers: [tensor('beta', 'float32', [], [1.5])],
    nodes: [
      node('If', ['c'], ['y'], {
        then_branch: graphAttr('then', [valueInfo('t', 'float32', SWISH_DIMS)], swish),
        else_branch: graphAttr('else', [valueInfo('e', 'float32', SWISH_DIMS)], [node('Neg', ['x'], ['e'])]),
      }, 'branch'),
    ],
  });
}
const branchWithPlugin = () => branchOnnx([node('Swish_TRTN', ['x'], ['t'], { beta: 1.5 })]);
const branchReference = branchOnnx([node('Mul', ['x', 'beta'], ['bx']), node('Sigmoid', ['bx'], ['s']), node('Mul', ['x', 's'], ['t'])]);

// Runs `body` in a fresh process, where no plugin library was loaded (the registry is process-wide), with `native`
// (the addon), the model bytes `onnx` and `plan`, and the library path in scope; it prints one JSON line.
async function inFreshProcess(files: { onnx: Uint8Array; plan: Uint8Array }, body: string): Promise<Record<string, unknown>> {
  const work = mkdtempSync(path.join(tmpdir(), 'trtn-plugins-'));
  try {
    writeFileSync(path.join(work, 'model.onnx'), files.onnx);
    writeFileSync(path.join(work, 'model.plan'), files.plan);
    const script = `
      const native = require(${JSON.stringify(path.join(packageRoot, 'node_modules/node-gyp-build'))})(${JSON.stringify(packageRoot)});
      const fs = require('node:fs');
      const onnx = fs.readFileSync(${JSON.stringify(path.join(work, 'model.onnx'))});
      const plan = fs.readFileSync(${JSON.stringify(path.join(work, 'model.plan'))});
      const library = ${JSON.stringify(swishLibrary())};
      const failure = (e) => ({ code: e.code, message: e.message, details: e.details, plugin: e.plugin, trtMessages: e.trtMessages });
      ${RAW_SETTLEMENTS}
      (async () => { ${body} })().catch((e) => { console.log(JSON.stringify({ crashed: String(e && e.stack) })); });`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script]);
    expect(stderr).toBe('');
    return JSON.parse(stdout) as Record<string, unknown>;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('custom plugin libraries', () => {
  it('buildEngine({ pluginLibraries }) imports an operator without an importer as the plugin of its name, and the engine computes it', async () => {
    const onnx = swishOnnx();
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', pluginLibraries: [swishLibrary()] }));
    using context = engine.createContext();
    const feeds = swishFeeds();
    await expectLikeOrt(swishReferenceOnnx, feeds, await context.run(feeds));
    const status = plugins({ backend: 'simulator' });
    expect(status.libraries).toContain(swishLibrary()); // with others when test files share a process (test:native)
    expect(status.creators).toContainEqual({ name: 'Swish_TRTN', version: '1', namespace: '', kind: 'v3', library: swishLibrary() });
  });

  it("a successful build (and describeOnnx) passes on the parser's warning for each field a plugin node leaves to its default; past 32 lines, how many went; a build failing after the parse carries them", async () => {
    const build = async (onnx: Uint8Array) => {
      const warnings: [string, string][] = [];
      await buildEngine(onnx, { backend: 'simulator', pluginLibraries: [swishLibrary()], onWarning: (m, from) => warnings.push([m, from]) });
      return warnings;
    };
    const beta = "Attribute beta not found in plugin node! Ensure that the plugin creator has a default value defined or the engine may fail to build.";
    expect(await build(swishOnnx())).toEqual([]);
    expect(await build(swishOnnx({}))).toEqual([[beta, 'tensorrt']]);
    // describeOnnx, which only parses, has the parser's.
    expect((await describeOnnx(swishOnnx({}), { backend: 'simulator' })).warnings).toEqual([beta]);
    expect((await describeOnnx(swishOnnx(), { backend: 'simulator' })).warnings).toEqual([]);
    // 40 nodes without beta: the first 16 warnings and the latest 16, with a line that counts the 8 between them.
    const chain = model({
      inputs: [valueInfo('x0', 'float32', SWISH_DIMS)],
      outputs: [valueInfo('x40', 'float32', SWISH_DIMS)],
      nodes: Array.from({ length: 40 }, (_, i) => node('Swish_TRTN', [`x${i}`], [`x${i + 1}`], {})),
    });
    const sixteen = Array.from({ length: 16 }, () => [beta, 'tensorrt']);
    expect(await build(chain)).toEqual([...sixteen, ['(8 lines left out)', 'tensorrt'], ...sixteen]);
    // A build that fails after the parse (int8 without scales) carries the parser's warnings with TensorRT's error.
    const failed = (await buildEngine(swishOnnx({}), { backend: 'simulator', pluginLibraries: [swishLibrary()], precision: 'int8' }).catch((e: unknown) => e)) as BuildFailedError;
    expect(failed).toBeInstanceOf(BuildFailedError);
    expect(failed.message).toMatch(/Calibration failure occurred with no scaling factors detected/);
    expect(failed.trtLog).toContain(`[W] ${beta}`);
  });

  it('loading a library again, by another spelling of its path, or through Runtime.create, registers nothing twice', () => {
    loadPluginLibrary(swishLibrary(), { backend: 'simulator' });
    loadPluginLibrary(path.relative(process.cwd(), swishLibrary()), { backend: 'simulator' });
    Runtime.create({ backend: 'simulator', pluginLibraries: [swishLibrary()] }).dispose();
    const status = plugins({ backend: 'simulator' });
    expect(status.libraries.filter((l) => l === swishLibrary())).toHaveLength(1);
    expect(status.creators.filter((c) => c.name === 'Swish_TRTN')).toHaveLength(1);
  });

  it('an operator of a custom domain goes to the plugin registry too, as TensorRT\'s parser dispatches on the name alone', async () => {
    loadPluginLibrary(swishLibrary(), { backend: 'simulator' });
    using engine = await runtime.deserialize(await buildEngine(swishOnnx({ beta: 1.5 }, 'trt.plugins'), { backend: 'simulator' }));
    using context = engine.createContext();
    const feeds = swishFeeds();
    await expectLikeOrt(swishReferenceOnnx, feeds, await context.run(feeds));
  });

  it('plugin_version and plugin_namespace attributes select the creator: an unregistered version is not found', async () => {
    loadPluginLibrary(swishLibrary(), { backend: 'simulator' });
    const error = await buildEngine(swishOnnx({ beta: 1.5, plugin_version: '2' }), { backend: 'simulator' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BuildFailedError);
    expect((error as BuildFailedError).message).toContain('Plugin not found, are the plugin name, version, and namespace correct?');
  });

  it('without the library, the parse fails and the plan does not load, naming the plugin; once loaded, the same plan runs', async () => {
    const onnx = swishOnnx();
    const plan = await buildEngine(onnx, { backend: 'simulator', pluginLibraries: [swishLibrary()] });
    const seen = await inFreshProcess({ onnx, plan }, `
      const out = {};
      const build = native.build('simulator', onnx, {});
      out.build = await build.promise.then(() => 'built', failure);
      const runtime = new native.Runtime('simulator', 2);
      out.deserialize = await nativeCall((ticket) => runtime.deserialize(ticket, plan)).then(() => 'loaded', failure);
      native.loadPluginLibrary('simulator', library);
      const engine = await nativeCall((ticket) => runtime.deserialize(ticket, plan));
      const context = engine.createContext();
      const y = await run(context, Float64Array.of(3, 5), undefined, new Float32Array(15).map((_, i) => (i - 7) * 0.6));
      const bytes = y instanceof ArrayBuffer ? y : y.find((part) => part instanceof ArrayBuffer); // one output, no dims
      out.y = Array.from(new Float32Array(bytes));
      context.dispose(); engine.dispose(); runtime.dispose();
      console.log(JSON.stringify(out));`);
    expect(seen.crashed).toBeUndefined();
    expect(seen.build).toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringContaining('Plugin not found, are the plugin name, version, and namespace correct?'),
      details: expect.arrayContaining([expect.stringContaining('no plugin library was loaded')]),
    });
    // LIBRARY_NOT_FOUND, not ENGINE_INCOMPATIBLE: the plan is sound, and an engine cache must not discard it.
    expect(seen.deserialize).toMatchObject({
      code: 'LIBRARY_NOT_FOUND',
      message: 'the engine uses the TensorRT plugin Swish_TRTN (version 1), which no registered plugin library provides',
      plugin: { name: 'Swish_TRTN', version: '1', namespace: '' },
      trtMessages: [
        'IPluginRegistry::getCreator: Error Code 4: API Usage Error (Cannot find plugin: Swish_TRTN, version: 1, namespace:.)',
        'IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization assertion creator failed.Cannot deserialize plugin since corresponding IPluginCreator not found in Plugin Registry)',
      ],
    });
    // A plugin layer inside a branch is found missing at deserialize too, not at the first run of that branch.
    const branchPlan = await buildEngine(branchWithPlugin(), { backend: 'simulator', pluginLibraries: [swishLibrary()] });
    const inBranch = await inFreshProcess({ onnx, plan: branchPlan }, `
      const runtime = new native.Runtime('simulator', 2);
      const result = await nativeCall((ticket) => runtime.deserialize(ticket, plan)).then(() => 'loaded', failure);
      runtime.dispose();
      console.log(JSON.stringify(result));`);
    expect(inBranch).toMatchObject({ code: 'LIBRARY_NOT_FOUND', plugin: { name: 'Swish_TRTN', version: '1', namespace: '' } });
    const expected = await runOrt(swishReferenceOnnx, { x: { dtype: 'float32', dims: SWISH_DIMS, data: swishFeeds().x.data } });
    expect(seen.y).toHaveLength(15);
    (seen.y as number[]).forEach((v, i) => expect(v).toBeCloseTo((expected.y.data as Float32Array)[i]!, 5));
  });

  it('EngineStore.getOrBuild({ pluginLibraries }) loads them first: a missing one fails before the store is touched', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trtn-plugin-store-'));
    try {
      const store = new EngineStore(path.join(dir, 'engines'));
      const options = { runtime, task: 'swish', model: 'swish', pluginLibraries: [swishLibrary()] };
      const missing = await store.getOrBuild(swishOnnx(), { ...options, pluginLibraries: [path.join(dir, 'libnone.so')] }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(LibraryNotFoundError);
      expect(existsSync(store.dir)).toBe(false);
      const first = await store.getOrBuild(swishOnnx(), options);
      const second = await store.getOrBuild(swishOnnx(), options);
      expect([first.built, second.built]).toEqual([true, false]);
      using engine = await runtime.loadEngine(second.path);
      using context = engine.createContext();
      const feeds = swishFeeds();
      await expectLikeOrt(swishReferenceOnnx, feeds, await context.run(feeds));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a library that registers its plugins when loaded (REGISTER_TENSORRT_PLUGIN, exporting nothing) loads too', async () => {
    loadPluginLibrary(clampLibrary(), { backend: 'simulator' });
    expect(plugins({ backend: 'simulator' }).creators).toContainEqual({ name: 'Clamp_TRTN', version: '1', namespace: '', kind: 'v3', library: clampLibrary() });
    const io = { inputs: [valueInfo('x', 'float32', [2, 6])], outputs: [valueInfo('y', 'float32', [2, 6])] };
    const clamp = model({ ...io, nodes: [node('Clamp_TRTN', ['x'], ['y'], { min: -0.5, max: 1.25 })] });
    const clip = model({ ...io, initializers: [tensor('lo', 'float32', [], [-0.5]), tensor('hi', 'float32', [], [1.25])], nodes: [node('Clip', ['x', 'lo', 'hi'], ['y'])] });
    using engine = await runtime.deserialize(await buildEngine(clamp, { backend: 'simulator' }));
    using context = engine.createContext();
    const feeds = { x: Tensor.from('float32', Float32Array.from({ length: 12 }, (_, i) => (i - 5) * 0.3), [2, 6]) };
    await expectLikeOrt(clip, feeds, await context.run(feeds));
  });

  it('a plugin layer inside an If branch: built, run on both branches and through its plan, as onnxruntime computes it', async () => {
    loadPluginLibrary(swishLibrary(), { backend: 'simulator' });
    using built = await runtime.deserialize(await buildEngine(branchWithPlugin(), { backend: 'simulator' }));
    using engine = await runtime.deserialize(built.serialize());
    using context = engine.createContext();
    for (const c of [true, false]) {
      const feeds = { c: Tensor.from('bool', Uint8Array.of(c ? 1 : 0), []), ...swishFeeds() };
      await expectLikeOrt(branchReference, feeds, await context.run(feeds));
    }
  });

  it('a file that is not there is LIBRARY_NOT_FOUND; a library without plugins is refused, saying what it lacks', () => {
    expect(() => loadPluginLibrary('/nonexistent/libmyplugins.so', { backend: 'simulator' })).toThrow(LibraryNotFoundError);
    const notPlugins = path.join(simulatorDir(), 'libtrtsim_cudart.so');
    let error: unknown;
    try {
      loadPluginLibrary(notPlugins, { backend: 'simulator' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).message).toContain(
      'holds no plugin: it registered none when loaded (REGISTER_TENSORRT_PLUGIN) and exports neither getCreators nor getPluginCreators',
    );
    expect(plugins({ backend: 'simulator' }).libraries).not.toContain(notPlugins);
  });

  it('bad arguments are INVALID_ARGUMENT', () => {
    expect(() => loadPluginLibrary('', { backend: 'simulator' })).toThrow(InvalidArgumentError);
    expect(() => Runtime.create({ backend: 'simulator', pluginLibraries: 'lib.so' as never })).toThrow(InvalidArgumentError);
    expect(() => plugins({ backend: 'cuda' as never })).toThrow(InvalidArgumentError);
  });
});

// ---- what a model or an engine needs ---------------------------------------------------------------------------------

describe('the plugins a model or an engine needs', () => {
  it("describeOnnx lists the plugins of the parser's layers, each once, from the graph and its subgraphs, with their kind", async () => {
    loadPluginLibrary(swishLibrary(), { backend: 'simulator' });
    const roi = await describeOnnx(roiAlignOnnx({ output_height: 2, output_width: 2 }), { backend: 'simulator' });
    expect(roi.plugins).toEqual([{ name: 'ROIAlign_TRT', version: '2', namespace: '', kind: 'v3', library: standardLibrary() }]);
    // Swish three times: at the top, and in both branches of an If (layers of subgraphs are the network's too).
    const swishes = model({
      inputs: [valueInfo('c', 'bool', []), valueInfo('x', 'float32', SWISH_DIMS)],
      outputs: [valueInfo('y', 'float32', SWISH_DIMS), valueInfo('z', 'float32', SWISH_DIMS)],
      nodes: [
        node('Swish_TRTN', ['x'], ['z'], { beta: 1.5 }),
        node('If', ['c'], ['y'], {
          then_branch: graphAttr('then', [valueInfo('t', 'float32', SWISH_DIMS)], [node('Swish_TRTN', ['x'], ['t'], { beta: 2.5 })]),
          else_branch: graphAttr('else', [valueInfo('e', 'float32', SWISH_DIMS)], [node('Swish_TRTN', ['z'], ['e'], { beta: 3.5 })]),
        }),
      ],
    });
    expect((await describeOnnx(swishes, { backend: 'simulator' })).plugins).toEqual([{ name: 'Swish_TRTN', version: '1', namespace: '', kind: 'v3', library: swishLibrary() }]);
    const plain = model({ inputs: [valueInfo('x', 'float32', [2])], outputs: [valueInfo('y', 'float32', [2])], nodes: [node('Neg', ['x'], ['y'])] });
    expect((await describeOnnx(plain, { backend: 'simulator' })).plugins).toEqual([]);
  });

  it('the EngineStore records them in the sidecar; an engine whose plugin is not registered is LIBRARY_NOT_FOUND for verify, list and getOrBuild, and kept', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trtn-plugin-needs-'));
    try {
      const store = new EngineStore(path.join(dir, 'engines'));
      const options = { runtime, task: 'swish', model: 'swish', pluginLibraries: [swishLibrary()] };
      const { path: enginePath, sidecar } = await store.getOrBuild(swishOnnx(), options);
      // With the library that provided it here, so a machine that lacks it can be told which one it was.
      expect(sidecar.plugins).toEqual([{ name: 'Swish_TRTN', version: '1', namespace: '', library: swishLibrary() }]);
      expect(JSON.parse(readFileSync(sidecarPathOf(enginePath), 'utf8')).plugins).toEqual(sidecar.plugins);

      // The library stays loaded in this process, so the engine is made to need a plugin nothing provides: its
      // sidecar names one (the check reads the sidecar, not the plan, so it needs no deserialization).
      const sidecarFile = sidecarPathOf(enginePath);
      const absent = { name: 'Absent_TRTN', version: '3', namespace: 'acme', library: '/opt/acme/libabsent.so' };
      const needsMissing = { ...sidecar, plugins: [absent, ...sidecar.plugins!] };
      writeFileSync(sidecarFile, JSON.stringify(needsMissing));
      const error = await store.verify(enginePath, { runtime }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LibraryNotFoundError);
      expect(error).toMatchObject({
        message: `engine ${enginePath} uses the TensorRT plugin Absent_TRTN (version 3, namespace acme), which no registered plugin library provides`,
        plugin: absent,
        details: [
          'Absent_TRTN (version 3, namespace acme) came from /opt/acme/libabsent.so where the engine was built',
          expect.stringContaining("TensorRT's standard plugins are registered, from"),
          expect.stringContaining('plugin libraries loaded:'),
        ],
      });
      expect(await store.list({ runtime })).toMatchObject([{ path: enginePath, status: 'missing-plugin', reason: (error as Error).message }]);
      // getOrBuild passes it on rather than quarantining a sound engine and rebuilding one that needs the same plugin.
      await expect(store.getOrBuild(swishOnnx(), options)).rejects.toMatchObject({ code: 'LIBRARY_NOT_FOUND', plugin: { name: 'Absent_TRTN' } });
      expect(existsSync(enginePath)).toBe(true);
      expect(existsSync(path.join(store.dir, 'quarantine'))).toBe(false);

      // A sidecar written before plugins were recorded has none: nothing to check, and it still verifies.
      const { plugins: _, ...older } = sidecar;
      writeFileSync(sidecarFile, JSON.stringify(older));
      expect((await store.verify(enginePath, { runtime })).plugins).toBeUndefined();
      writeFileSync(sidecarFile, JSON.stringify({ ...sidecar, plugins: [{ version: '1' }] }));
      await expect(store.verify(enginePath, { runtime })).rejects.toMatchObject({ code: 'ENGINE_CORRUPT', message: expect.stringContaining('plugins must be a list of {name, version, namespace, library?}') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
