// getOrBuild: builds once and reuses; every kind of bad engine gets its typed error from verify, is quarantined with
// a reason and is rebuilt into an engine that runs; cancellation leaves nothing behind.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, BuildFailedError, EngineCorruptError, EngineIncompatibleError, InvalidArgumentError, Runtime, Tensor } from '../../lib/index.js';
import type { TensorRTNodeError } from '../../lib/index.js';
import { tryAcquireLock } from '../../lib/store/lock.js';
import { EngineStore, sidecarPathOf } from '../../lib/store/index.js';
import type { GetOrBuildResult, Sidecar } from '../../lib/store/index.js';
import { rewritePlanHeader, simulator } from '../../lib/testing/index.js';
import { PROFILES } from '../helpers/engines.js';
import { getModel } from '../models/index.js';

let work: string;
let runtime: Runtime;
const mlp = getModel('mlp');
const options = () => ({ runtime, task: 'test', model: 'mlp', profiles: [PROFILES.mlp!] });
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trt-store-'));
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(async () => {
  runtime.dispose();
  await rm(work, { recursive: true, force: true });
});

let n = 0;
const freshStore = () => new EngineStore(path.join(work, `store-${++n}`));

async function readSidecarJson(enginePath: string): Promise<Sidecar> {
  return JSON.parse(await readFile(sidecarPathOf(enginePath), 'utf8')) as Sidecar;
}
async function writeSidecarJson(enginePath: string, sidecar: unknown): Promise<void> {
  await writeFile(sidecarPathOf(enginePath), JSON.stringify(sidecar));
}
/** Replaces the engine's bytes and makes the sidecar's checksum and size match, so only `change` differs. */
async function replacePlan(enginePath: string, plan: Uint8Array, change: Partial<Sidecar> = {}): Promise<void> {
  await writeFile(enginePath, plan);
  const sidecar = await readSidecarJson(enginePath);
  await writeSidecarJson(enginePath, { ...sidecar, plan_sha256: sha256(plan), plan_bytes: plan.length, ...change });
}

function lockFilesIn(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.lock')).map((f) => path.join(dir, f));
}

async function runOnce(enginePath: string): Promise<readonly number[]> {
  using engine = await runtime.loadEngine(enginePath);
  using context = engine.createContext();
  const { y } = await context.run({ x: Tensor.from('float32', new Float32Array(3 * 16).fill(0.25), [3, 16]) });
  return y!.dims;
}

async function errorOf(promise: Promise<unknown>): Promise<TensorRTNodeError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: TensorRTNodeError) => e,
  );
}

describe('getOrBuild', () => {
  it('builds once; the second call reuses the verified engine', async () => {
    const store = freshStore();
    const builds = simulator.counters().builds;
    const first = await store.getOrBuild(mlp.onnx, options());
    expect(first.built).toBe(true);
    expect(simulator.counters().builds).toBe(builds + 1);
    const second = await store.getOrBuild(mlp.onnx, options());
    expect(second).toEqual({ path: first.path, sidecar: first.sidecar, built: false });
    expect(simulator.counters().builds).toBe(builds + 1);
    expect((await readdir(store.dir)).sort()).toEqual([path.basename(sidecarPathOf(first.path)), path.basename(first.path)].sort());
    expect(await runOnce(first.path)).toEqual([3, 8]);
  });

  it('takes the ONNX as a path too, and finds the same engine', async () => {
    const store = freshStore();
    const onnxPath = path.join(store.dir, '..', `mlp-${n}.onnx`);
    await writeFile(onnxPath, mlp.onnx);
    const a = await store.getOrBuild(onnxPath, options());
    const b = await store.getOrBuild(mlp.onnx, options());
    expect([a.built, b.built]).toEqual([true, false]);
    expect(b.path).toBe(a.path);
  });

  it('builds each precision under its own name; refuses another backend, int8 without a calibration cache and bad names, writing nothing', async () => {
    const built = freshStore();
    const fp16 = await built.getOrBuild(mlp.onnx, { ...options(), precision: 'fp16' });
    expect(fp16.built).toBe(true);
    expect(path.basename(fp16.path)).toMatch(/-fp16-sm89\.engine$/);
    expect(fp16.sidecar.precision).toBe('fp16');
    const store = freshStore();
    const e1 = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), backend: 'tensorrt' }));
    expect(e1).toBeInstanceOf(InvalidArgumentError);
    expect(e1.message).toMatch(/backend 'tensorrt' differs from the runtime's 'simulator'/);
    const e2 = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), precision: 'int8' }));
    expect(e2).toBeInstanceOf(BuildFailedError); // TensorRT's calibration failure: the mlp has no Q/DQ nodes
    expect(e2.message).toMatch(/calibration cache/);
    const e3 = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), task: 'a.b' }));
    expect(e3).toBeInstanceOf(InvalidArgumentError);
    expect(await readdir(store.dir).catch(() => [])).toEqual([]);
  });

  it('records the values of shape tensor inputs in the sidecar: the same values reuse the engine, others rebuild it', async () => {
    const { model, node, valueInfo } = await import('../models/onnx-builder.js');
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('target', 'int64', [2])],
      outputs: [valueInfo('y', 'float32', ['a', 'b'])],
      nodes: [node('Reshape', ['x', 'target'], ['y'])],
    });
    const profile = (max: number) => [{ x: { min: [1, 4], opt: [2, 4], max: [8, 4] }, target: { values: { min: [-1, 1], opt: [2, 4], max: [max, max] } } }];
    const store = freshStore();
    const first = await store.getOrBuild(onnx, { runtime, task: 'test', model: 'reshape', profiles: profile(32) });
    expect(first.built).toBe(true);
    expect(first.sidecar.build_options.profiles).toEqual([{ x: { min: [1, 4], opt: [2, 4], max: [8, 4] }, target: { values: { min: [-1, 1], opt: [2, 4], max: [32, 32] } } }]);
    expect((await store.getOrBuild(onnx, { runtime, task: 'test', model: 'reshape', profiles: profile(32) })).built).toBe(false);
    const other = await store.getOrBuild(onnx, { runtime, task: 'test', model: 'reshape', profiles: profile(16) });
    expect(other.built).toBe(true);
    expect(other.quarantined?.reason.reason).toMatch(/it was built with other optimization profiles .*"max":\[32,32\].*wanted .*"max":\[16,16\]/);
    using engine = await runtime.loadEngine(other.path);
    expect(engine.profiles[0]!.target!.values).toEqual({ min: [-1, 1], opt: [2, 4], max: [16, 16] });
  });

  it('records shape tensor outputs in the sidecar: the same ones (in any order) reuse the engine, others or none rebuild it', async () => {
    const { model, node, tensor, valueInfo } = await import('../models/onnx-builder.js');
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['n', 4])],
      outputs: [valueInfo('y', 'float32', ['n', 4]), valueInfo('dims', 'int64', [2]), valueInfo('dims7', 'int64', [3])],
      initializers: [tensor('seven', 'int64', [1], [7])],
      nodes: [node('Relu', ['x'], ['y']), node('Shape', ['x'], ['dims']), node('Concat', ['dims', 'seven'], ['dims7'], { axis: 0 })],
    });
    const request = (shapeOutputs?: string[]) => ({ runtime, task: 'test', model: 'shapes', profiles: [{ x: { min: [1, 4], opt: [2, 4], max: [8, 4] } }], shapeOutputs });
    const store = freshStore();
    const first = await store.getOrBuild(onnx, request(['dims7', 'dims']));
    expect(first.built).toBe(true);
    expect(first.sidecar.build_options.shape_outputs).toEqual(['dims', 'dims7']);
    expect((await store.getOrBuild(onnx, request(['dims', 'dims7']))).built).toBe(false);
    const fewer = await store.getOrBuild(onnx, request(['dims']));
    expect(fewer.built).toBe(true);
    {
      using engine = await runtime.loadEngine(fewer.path);
      // Marked again, for shapes, a shape output comes after the ordinary ones (TensorRT lists outputs as marked).
      expect(engine.outputs.map((t) => [t.name, t.location])).toEqual([['y', 'device'], ['dims7', 'device'], ['dims', 'host']]);
    }
    expect(fewer.quarantined?.reason.reason).toMatch(/it was built with other shape tensor outputs \(dims, dims7, wanted dims\)/);
    const none = await store.getOrBuild(onnx, request());
    expect(none.quarantined?.reason.reason).toMatch(/it was built with other shape tensor outputs \(dims, wanted none\)/);
    expect(none.sidecar.build_options.shape_outputs).toBeUndefined();
    using engine = await runtime.loadEngine(none.path);
    expect(engine.outputs.map((t) => t.location)).toEqual(['device', 'device', 'device']);
  });

  it('records IO formats in the sidecar: the same ones reuse the engine (linear ones are the default), others rebuild it', async () => {
    const { model, node, valueInfo } = await import('../models/onnx-builder.js');
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [1, 3, 2, 2])],
      outputs: [valueInfo('y', 'float32', [1, 3, 2, 2])],
      nodes: [node('Neg', ['x'], ['y'])],
    });
    const request = (ioFormats?: Record<string, 'linear' | 'hwc' | 'chw32'>) => ({ runtime, task: 'test', model: 'formats', ioFormats });
    const store = freshStore();
    const first = await store.getOrBuild(onnx, request({ y: 'chw32', x: 'hwc' }));
    expect(first.built).toBe(true);
    expect(first.sidecar.build_options.io_formats).toEqual({ x: 'hwc', y: 'chw32' });
    expect((await store.getOrBuild(onnx, request({ x: 'hwc', y: 'chw32' }))).built).toBe(false);
    const other = await store.getOrBuild(onnx, request({ x: 'hwc', y: 'linear' }));
    expect(other.quarantined?.reason.reason).toMatch(/it was built with other IO formats \(x hwc, y chw32, wanted x hwc\)/);
    const plain = await store.getOrBuild(onnx, request());
    expect(plain.quarantined?.reason.reason).toMatch(/it was built with other IO formats \(x hwc, wanted all linear\)/);
    expect(plain.sidecar.build_options.io_formats).toBeUndefined();
  });

  it('records a strongly typed build in the sidecar; a request the other way quarantines it and rebuilds', async () => {
    const store = freshStore();
    const strong = await store.getOrBuild(mlp.onnx, { ...options(), stronglyTyped: true });
    expect(strong.built).toBe(true);
    expect(strong.sidecar.build_options.flags).toEqual(['strongly-typed']);
    expect((await store.getOrBuild(mlp.onnx, { ...options(), stronglyTyped: true })).built).toBe(false);
    const warnings: [string, string][] = [];
    const weak = await store.getOrBuild(mlp.onnx, { ...options(), onWarning: (m, from) => warnings.push([m, from]) });
    expect(weak.path).toBe(strong.path); // the same name: fp32 either way
    expect(weak.built).toBe(true);
    expect(weak.quarantined?.reason.reason).toMatch(/it was built strongly typed, wanted weakly typed/);
    expect(weak.sidecar.build_options.flags).toEqual([]);
    // Sound, but another caller's: said, with what keeps both (a bad engine is no news to a warning; see below).
    expect(warnings).toEqual([
      [
        `the engine ${path.basename(strong.path)} there is sound but was built strongly typed, wanted weakly typed: it is rebuilt with these options, and moved to quarantine/ once the new engine is built. If another caller needs the other options, give each set its own task (or revision): otherwise each replaces the other's engine whenever it starts`,
        'tensorrt-node',
      ],
    ]);
    const other = await store.getOrBuild(mlp.onnx, { ...options(), task: 'strong', stronglyTyped: true, onWarning: (m, from) => warnings.push([m, from]) });
    expect(other.path).not.toBe(weak.path);
    expect((await store.getOrBuild(mlp.onnx, options())).built).toBe(false); // both kept, each under its task
    expect(warnings).toHaveLength(1);
  });

  it('a sound engine built with other options stays in place when the build meant to replace it fails or is cancelled', async () => {
    const store = freshStore();
    const strong = await store.getOrBuild(mlp.onnx, { ...options(), stronglyTyped: true });
    const failed = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), ioFormats: { x: 'chw32' } }));
    expect(failed).toBeInstanceOf(BuildFailedError);
    const controller = new AbortController();
    const cancelled = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), signal: controller.signal, onProgress: () => controller.abort() }));
    expect(cancelled).toBeInstanceOf(AbortedError);
    // Neither moved it: it is there, sound, and what its own caller gets without a build.
    expect(await readdir(store.dir)).not.toContain('quarantine');
    const again = await store.getOrBuild(mlp.onnx, { ...options(), stronglyTyped: true });
    expect([again.path, again.built]).toEqual([strong.path, false]);
  });

  it('records the int8 calibration cache by its hash: the same cache (bytes or file) reuses the engine, another rebuilds it', async () => {
    const store = freshStore();
    const cache = (scale: string) => new TextEncoder().encode(`TRT-101601-EntropyCalibration2\nx: ${scale}\nh: ${scale}\nh_relu: ${scale}\ny: ${scale}\n`);
    const int8 = { ...options(), precision: 'int8' as const };
    const first = await store.getOrBuild(mlp.onnx, { ...int8, calibrationCache: cache('3c000000') });
    expect(first.sidecar.build_options.calibration_cache_sha256).toBe(sha256(cache('3c000000')));
    const file = path.join(work, `calibration-${++n}.cache`);
    await writeFile(file, cache('3c000000'));
    expect((await store.getOrBuild(mlp.onnx, { ...int8, calibrationCache: file })).built).toBe(false);
    const other = await store.getOrBuild(mlp.onnx, { ...int8, calibrationCache: cache('3d000000') });
    expect(other.built).toBe(true);
    expect(other.quarantined?.reason.reason).toMatch(/it was built with another int8 calibration cache \(SHA-256 [0-9a-f]{12}…, wanted SHA-256 [0-9a-f]{12}…\)/);
    // A sidecar from before the hash was recorded matches any cache: no rebuild of every int8 engine on upgrade.
    const { calibration_cache_sha256: _, ...older } = other.sidecar.build_options;
    await writeSidecarJson(other.path, { ...other.sidecar, build_options: older });
    expect((await store.getOrBuild(mlp.onnx, { ...int8, calibrationCache: cache('3c000000') })).built).toBe(false);
  });

  it('refuses a workspace that is not a safe byte count or an optimization level outside 0-5 before building or writing', async () => {
    const store = freshStore();
    const builds = simulator.counters().builds;
    const bad = [{ workspaceBytes: -1 }, { workspaceBytes: 2 ** 60 }, { workspaceBytes: 1.5 }, { workspaceBytes: NaN }, { optimizationLevel: 99 }, { optimizationLevel: -1 }];
    for (const extra of bad) {
      const e = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), ...extra }));
      expect(e, JSON.stringify(extra)).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(/^(workspaceBytes must be an integer from 0|optimizationLevel must be an integer from 0 to 5), got /);
    }
    expect(simulator.counters().builds).toBe(builds);
    expect(await readdir(store.dir).catch(() => [])).toEqual([]);
    const ok = await store.getOrBuild(mlp.onnx, { ...options(), workspaceBytes: 2 ** 20, optimizationLevel: 5 });
    expect(ok.sidecar.build_options).toMatchObject({ workspace_bytes: 2 ** 20, optimization_level: 5 });
  });

  it('profiles that are not a list of { input: { min, opt, max } }: INVALID_ARGUMENT, even when the engine exists', async () => {
    const store = freshStore();
    await store.getOrBuild(mlp.onnx, options());
    for (const profiles of ['x', {}, [1], [{ x: null }], [{ x: { min: [8, 16], opt: [4, 16], max: [2, 16] } }]]) {
      const e = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), profiles: profiles as never }));
      expect(e, JSON.stringify(profiles)).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(/^(profiles must be an array|profile 0)/);
    }
  });

  it('a build that fails (BUILD_FAILED) leaves nothing and releases the lock', async () => {
    const store = freshStore();
    const e = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), profiles: [] }));
    expect(e.code).toBe('BUILD_FAILED');
    expect(await readdir(store.dir)).toEqual([]);
  });
});

interface Damage {
  name: string;
  damage(result: GetOrBuildResult, plan: Uint8Array): Promise<void>;
  error: typeof EngineCorruptError | typeof EngineIncompatibleError;
  message: RegExp;
  /** Where the same bytes are also refused by deserialize, the error class TensorRT gives. */
  deserialize?: typeof EngineCorruptError | typeof EngineIncompatibleError;
}

const DAMAGES: Damage[] = [
  {
    name: 'a flipped byte',
    damage: async ({ path: p }, plan) => {
      const bad = new Uint8Array(plan);
      bad[plan.length - 10]! ^= 0xff;
      await writeFile(p, bad);
    },
    error: EngineCorruptError,
    message: /is corrupt: its SHA-256 is [0-9a-f]{64} but its sidecar records [0-9a-f]{64}/,
    deserialize: EngineCorruptError,
  },
  {
    name: 'a truncated file',
    damage: ({ path: p }, plan) => writeFile(p, plan.subarray(0, plan.length - 100)),
    error: EngineCorruptError,
    message: /has \d+ bytes but its sidecar records \d+ \(truncated\)/,
    deserialize: EngineCorruptError,
  },
  {
    name: 'a sidecar whose checksum was edited',
    damage: async ({ path: p }) => writeSidecarJson(p, { ...(await readSidecarJson(p)), plan_sha256: 'a'.repeat(64) }),
    error: EngineCorruptError,
    message: /but its sidecar records a{64}/,
  },
  {
    name: 'a missing sidecar',
    damage: ({ path: p }) => rm(sidecarPathOf(p)),
    error: EngineCorruptError,
    message: /sidecar .* is missing, so the engine is an unfinished build/,
  },
  {
    name: 'a sidecar that is not JSON',
    damage: ({ path: p }) => writeFile(sidecarPathOf(p), '{"format": "tensorrt-node-en'),
    error: EngineCorruptError,
    message: /sidecar .* is not valid JSON/,
  },
  {
    name: 'a sidecar with a wrong field',
    damage: async ({ path: p }) => writeSidecarJson(p, { ...(await readSidecarJson(p)), plan_bytes: 'many' }),
    error: EngineCorruptError,
    message: /sidecar .* is invalid: plan_bytes must be a byte count, got "many"/,
  },
  {
    name: 'bytes that are not a plan (checksum recomputed)',
    damage: ({ path: p }, plan) => replacePlan(p, Uint8Array.from([...new TextEncoder().encode('GGUF'), ...plan.subarray(4)])),
    error: EngineCorruptError,
    message: /is not a TensorRT plan: it starts with 0x46554747 instead of the "ftrt" tag/,
    deserialize: EngineCorruptError,
  },
  {
    name: 'a plan from another TensorRT version (checksum recomputed)',
    damage: ({ path: p }, plan) => replacePlan(p, rewritePlanHeader(plan, { trtVersion: [10, 15, 1, 4] })),
    error: EngineIncompatibleError,
    message: /was built by TensorRT 10\.15\.1 but this runtime loads TensorRT 10\.16\.1/,
    deserialize: EngineIncompatibleError,
  },
  {
    name: 'a plan for another compute capability (sidecar says 7.5)',
    damage: ({ path: p }, plan) => replacePlan(p, rewritePlanHeader(plan, { computeCapability: [7, 5] }), { compute_capability: '7.5' }),
    error: EngineIncompatibleError,
    message: /was built for compute capability 7\.5 but this GPU is 8\.9/,
    deserialize: EngineIncompatibleError,
  },
];

describe.each(DAMAGES)('an engine with $name', (d) => {
  it('verify gives the typed error; getOrBuild quarantines it and rebuilds an engine that runs', async () => {
    const store = freshStore();
    const original = await store.getOrBuild(mlp.onnx, options());
    const plan = new Uint8Array(await readFile(original.path));
    await d.damage(original, plan);
    const damagedBytes = await readFile(original.path);

    const e = await errorOf(store.verify(original.path, { runtime }));
    expect(e).toBeInstanceOf(d.error);
    expect(e.message).toMatch(d.message);
    expect(e.message).toMatch(/getOrBuild\(\) quarantines it and builds a new one/);
    if (d.deserialize) expect(await errorOf(runtime.deserialize(damagedBytes))).toBeInstanceOf(d.deserialize);

    const builds = simulator.counters().builds;
    const warnings: string[] = [];
    const rebuilt = await store.getOrBuild(mlp.onnx, { ...options(), onWarning: (m) => warnings.push(m) });
    expect(rebuilt.built).toBe(true);
    expect(warnings).toEqual([]); // a bad engine is not another caller's choice
    expect(simulator.counters().builds).toBe(builds + 1);
    expect(rebuilt.path).toBe(original.path);
    expect(await readFile(rebuilt.path)).toEqual(Buffer.from(plan));

    // The damaged files are kept, with the reason, out of the main folder.
    const q = rebuilt.quarantined!;
    expect(q.dir).toBe(path.join(store.dir, 'quarantine'));
    const reason = JSON.parse(await readFile(q.reasonPath, 'utf8'));
    expect(reason).toMatchObject({ engine: path.basename(original.path), code: e.code, reason: e.message, pid: process.pid });
    expect(Date.now() - Date.parse(reason.time)).toBeLessThan(60_000);
    const quarantinedEngine = q.files.find((f) => f.endsWith('.engine'))!;
    expect(await readFile(quarantinedEngine)).toEqual(damagedBytes);
    expect((await readdir(q.dir)).sort()).toEqual([...q.files.map((f) => path.basename(f)), path.basename(q.reasonPath)].sort());
    expect((await readdir(store.dir)).sort()).toEqual(['quarantine', path.basename(sidecarPathOf(original.path)), path.basename(original.path)].sort());

    await expect(store.verify(rebuilt.path, { runtime, onnx: mlp.onnx })).resolves.toEqual(rebuilt.sidecar);
    expect(await runOnce(rebuilt.path)).toEqual([3, 8]);
  });
});

describe('what the engine was built from', () => {
  it('another ONNX under the same revision: ENGINE_INCOMPATIBLE, quarantined and rebuilt', async () => {
    const store = freshStore();
    const built = await store.getOrBuild(mlp.onnx, { ...options(), revision: 'v1' });
    const other = getModel('gelu20').onnx;
    const e = await errorOf(store.verify(built.path, { runtime, onnx: other }));
    expect(e).toBeInstanceOf(EngineIncompatibleError);
    expect(e.message).toMatch(/was built from another version of the model \(ONNX SHA-256 [0-9a-f]{64}, the given model is [0-9a-f]{64}\)/);
    const again = await store.getOrBuild(other, { ...options(), model: 'mlp', revision: 'v1', profiles: [PROFILES.gelu20!] });
    expect(again).toMatchObject({ built: true, path: built.path });
    expect(again.sidecar.onnx_sha256).toBe(sha256(other));
    expect(JSON.parse(await readFile(again.quarantined!.reasonPath, 'utf8')).code).toBe('ENGINE_INCOMPATIBLE');
  });

  it('an ONNX path that cannot be read: INVALID_ARGUMENT naming it, with the system error as its cause', async () => {
    const store = freshStore();
    const built = await store.getOrBuild(mlp.onnx, { ...options(), revision: 'v1' });
    const missing = path.join(store.dir, 'no-such-model.onnx');
    const e = await errorOf(store.verify(built.path, { runtime, onnx: missing }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toBe(`the ONNX model "${missing}" cannot be read: ENOENT: no such file or directory, open '${missing}'`);
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    const onDisk = path.join(store.dir, 'mlp.onnx');
    await writeFile(onDisk, mlp.onnx);
    await expect(store.verify(built.path, { runtime, onnx: onDisk })).resolves.toEqual(built.sidecar);
  });

  it('other profiles: ENGINE_INCOMPATIBLE, rebuilt with the profiles asked for', async () => {
    const store = freshStore();
    await store.getOrBuild(mlp.onnx, options());
    const wide = { x: { min: [1, 16], opt: [8, 16], max: [64, 16] } };
    const rebuilt = await store.getOrBuild(mlp.onnx, { ...options(), profiles: [wide] });
    expect(rebuilt.built).toBe(true);
    expect(rebuilt.quarantined?.reason.reason).toMatch(/built with other optimization profiles/);
    expect(rebuilt.sidecar.max_batch_size).toBe(64);
  });

  it('a GPU of another compute capability gets its own engine; list() marks the other one incompatible', async () => {
    const store = freshStore();
    const sm89 = await store.getOrBuild(mlp.onnx, options());
    simulator.setDevice({ computeCapability: [9, 0] });
    try {
      const sm90 = await store.getOrBuild(mlp.onnx, options());
      expect(sm90.built).toBe(true);
      expect(path.basename(sm90.path)).toMatch(/-sm90\.engine$/);
      expect(sm90.quarantined).toBeUndefined();
      const list = await store.list({ runtime });
      expect(list.map((e) => [e.name, e.status])).toEqual([
        [path.basename(sm89.path), 'incompatible'],
        [path.basename(sm90.path), 'ok'],
      ]);
      expect(list[0]!.reason).toMatch(/built for compute capability 8\.9 but this GPU is 9\.0/);
      expect(list[0]!.sidecar).toEqual(sm89.sidecar);
    } finally {
      simulator.setDevice({ computeCapability: [8, 9] });
    }
  });
});

describe('list', () => {
  it('every engine with its sidecar and status', async () => {
    const store = freshStore();
    expect(await store.list({ runtime })).toEqual([]);
    const a = await store.getOrBuild(mlp.onnx, options());
    const b = await store.getOrBuild(getModel('gelu20').onnx, { runtime, task: 'test', model: 'gelu20', profiles: [PROFILES.gelu20!] });
    await rm(sidecarPathOf(b.path));
    const list = await store.list({ runtime });
    expect(list).toHaveLength(2);
    const byName = Object.fromEntries(list.map((e) => [e.name, e]));
    expect(byName[path.basename(a.path)]).toMatchObject({ status: 'ok', sidecar: a.sidecar, path: a.path });
    expect(byName[path.basename(b.path)]).toMatchObject({ status: 'corrupt', sidecar: null });
    expect(byName[path.basename(b.path)]!.reason).toMatch(/missing/);
    expect(byName[path.basename(b.path)]!.error).toBeInstanceOf(EngineCorruptError);
  });

  it('a sidecar that is a folder, or an engine that is a symlink loop, is one corrupt entry; getOrBuild replaces it', async () => {
    const store = freshStore();
    const a = await store.getOrBuild(mlp.onnx, options());
    const b = await store.getOrBuild(getModel('gelu20').onnx, { runtime, task: 'test', model: 'gelu20', profiles: [PROFILES.gelu20!] });
    await rm(sidecarPathOf(a.path));
    await mkdir(sidecarPathOf(a.path));
    await rm(b.path);
    await symlink(b.path, b.path);
    const list = await store.list({ runtime });
    expect(list.map((e) => [e.name, e.status])).toEqual([[path.basename(a.path), 'corrupt'], [path.basename(b.path), 'corrupt']].sort());
    expect(list.find((e) => e.path === a.path)!.reason).toMatch(/sidecar .* is not a readable file \(EISDIR/);
    expect(list.find((e) => e.path === b.path)!.reason).toMatch(/is corrupt: it is not a readable file \(ELOOP/);
    expect((await store.getOrBuild(mlp.onnx, options())).quarantined?.reason.code).toBe('ENGINE_CORRUPT');
    const rebuilt = await store.getOrBuild(getModel('gelu20').onnx, { runtime, task: 'test', model: 'gelu20', profiles: [PROFILES.gelu20!] });
    expect(rebuilt).toMatchObject({ built: true, quarantined: { reason: { code: 'ENGINE_CORRUPT' } } });
    expect((await store.list({ runtime })).map((e) => e.status)).toEqual(['ok', 'ok']);
  });

  it('an engine moved away while list() or getOrBuild() reads it is skipped or rebuilt, never a raw ENOENT', async () => {
    const store = freshStore();
    const built = await store.getOrBuild(mlp.onnx, options());
    const aside = path.join(work, `aside-${n}`);
    await mkdir(aside);
    const files = [built.path, sidecarPathOf(built.path)];
    const moved = files.map((f) => path.join(aside, path.basename(f)));
    const ticks = async (k: number) => {
      for (let i = 0; i < k; i++) await new Promise(setImmediate);
    };
    // As quarantine does (engine first, then sidecar), after a growing number of event-loop turns, so that the move
    // lands between every pair of reads.
    for (let k = 0; k < 60; k++) {
      const mover = (async () => {
        await ticks(k % 30);
        for (const [i, f] of files.entries()) await rename(f, moved[i]!);
      })();
      const reader = k < 30 ? store.list({ runtime }) : store.getOrBuild(mlp.onnx, options());
      const [result] = await Promise.allSettled([reader, mover]);
      if (result.status === 'rejected') throw result.reason;
      if (k < 30) expect((result.value as { status: string }[]).every((e) => e.status === 'ok')).toBe(true);
      for (const f of [...files, ...moved]) await rm(f, { force: true });
      await store.getOrBuild(mlp.onnx, options()); // a sound entry again for the next round
    }
  });

  it('an engine whose sidecar is not there yet while another process holds its lock (a save between its two renames) is skipped, not corrupt', async () => {
    const store = freshStore();
    const built = await store.getOrBuild(mlp.onnx, options());
    const sidecar = sidecarPathOf(built.path);
    await rename(sidecar, `${sidecar}.aside`);
    const lockFile = built.path.replace(/\.engine$/, '.lock');
    const saver = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => saver.once('spawn', resolve));
      await writeFile(lockFile, JSON.stringify({ pid: saver.pid, hostname: hostname(), started_at: new Date().toISOString(), token: 'saver' }));
      expect(await store.list({ runtime })).toEqual([]);
      const e = await errorOf(store.verify(built.path, { runtime }));
      expect(e.message).toMatch(/is being saved by another process \(it holds .*\.lock\); check it again$/);
    } finally {
      saver.kill();
    }
    // With no save in progress, the same files are an unfinished build.
    await rm(lockFile);
    expect((await store.list({ runtime })).map((e) => e.status)).toEqual(['corrupt']);
  });

  it('refuses an engine name too long for the files made from it, and lock timings that hang, spin or overflow, before any build', async () => {
    const builds = simulator.counters().builds;
    const long = await errorOf(freshStore().getOrBuild(mlp.onnx, { ...options(), model: 'm'.repeat(200) }));
    expect(long).toBeInstanceOf(InvalidArgumentError);
    expect(long.message).toMatch(/^the engine name test\.m+-.* has \d+ characters, more than 197 .*shorten the model name \(200 characters\)/);
    for (const [name, value] of [['lockStaleMs', NaN], ['lockStaleMs', Infinity], ['lockStaleMs', 10], ['lockPollMinMs', 0], ['lockPollMaxMs', 2 ** 40]] as const) {
      expect(() => new EngineStore(work, { [name]: value }), `${name} ${value}`).toThrow(new RegExp(`^EngineStore: ${name} must be a number of milliseconds from \\d+ to 2147483647, got `));
    }
    expect(() => new EngineStore(work, { lockPollMinMs: 500, lockPollMaxMs: 100 })).toThrow(/lockPollMaxMs \(100\) must not be less than lockPollMinMs \(500\)/);
    expect(simulator.counters().builds).toBe(builds);
  });

  it('a store folder that is a file: INVALID_ARGUMENT naming it and the system error', async () => {
    const file = path.join(work, `not-a-folder-${++n}`);
    await writeFile(file, '');
    for (const dir of [file, path.join(file, 'sub')]) {
      const store = new EngineStore(dir);
      const e = await errorOf(store.getOrBuild(mlp.onnx, options()));
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect(e.message).toMatch(new RegExp(`^the engine store folder ".*${path.basename(dir)}" cannot be created: (EEXIST|ENOTDIR)`));
    }
    const e = await errorOf(new EngineStore(file).list({ runtime }));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(/cannot be read: ENOTDIR/);
  });
});

describe('cancellation', () => {
  for (const when of ['step', 'finish'] as const) {
    it(`aborting at the build's first '${when}' event: ABORTED, no engine, no sidecar, no temp file, no lock`, async () => {
      const store = freshStore();
      simulator.setBuildStepDelay(20);
      try {
        const controller = new AbortController();
        const e = await errorOf(
          store.getOrBuild(mlp.onnx, {
            ...options(),
            signal: controller.signal,
            onProgress: (event) => {
              if (event.kind === when) controller.abort(new Error('shutting down'));
            },
          }),
        );
        expect(e).toBeInstanceOf(AbortedError);
        expect(await readdir(store.dir)).toEqual([]);
      } finally {
        simulator.setBuildStepDelay(0);
      }
    });
  }

  it('aborting while another holder has the lock: ABORTED from the wait, nothing written', async () => {
    const store = freshStore();
    const target = await store.getOrBuild(mlp.onnx, options());
    await store.quarantine(target.path, 'make room for the test');
    const lock = await tryAcquireLock(target.path.replace(/\.engine$/, '.lock'));
    try {
      let waited = false;
      const e = await errorOf(store.getOrBuild(mlp.onnx, { ...options(), signal: AbortSignal.timeout(150), onWait: () => (waited = true) }));
      expect(e).toBeInstanceOf(AbortedError);
      expect(e.message).toMatch(/waiting for the build lock .*\.lock was cancelled/);
      expect(waited).toBe(true);
    } finally {
      await lock!.release();
    }
    expect(await readdir(store.dir)).toEqual(['quarantine']);
  });
});

describe('a builder that lost its lock (stalled past lockStaleMs and broken by another process)', () => {
  const lockOf = (enginePath: string) => enginePath.replace(/\.engine$/, '.lock');

  it('takes the lock again before writing and commits its engine', async () => {
    const store = freshStore();
    simulator.setBuildStepDelay(10);
    try {
      let removed = false;
      const result = await store.getOrBuild(mlp.onnx, {
        ...options(),
        onProgress: () => {
          if (removed) return;
          const [lock] = lockFilesIn(store.dir);
          rmSync(lock!);
          removed = true;
        },
      });
      expect(removed).toBe(true);
      expect(result.built).toBe(true);
      await expect(store.verify(result.path, { runtime })).resolves.toEqual(result.sidecar);
      expect((await readdir(store.dir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
    } finally {
      simulator.setBuildStepDelay(0);
    }
  });

  it('finding that the process which took over finished the engine, returns that one (built=false)', async () => {
    const elsewhere = await freshStore().getOrBuild(mlp.onnx, options());
    const store = freshStore();
    simulator.setBuildStepDelay(10);
    try {
      let replaced = false;
      const result = await store.getOrBuild(mlp.onnx, {
        ...options(),
        onProgress: () => {
          if (replaced) return;
          const target = path.join(store.dir, path.basename(elsewhere.path));
          rmSync(lockOf(target));
          copyFileSync(elsewhere.path, target);
          copyFileSync(sidecarPathOf(elsewhere.path), sidecarPathOf(target));
          replaced = true;
        },
      });
      expect(replaced).toBe(true);
      expect(result).toMatchObject({ built: false, sidecar: elsewhere.sidecar });
    } finally {
      simulator.setBuildStepDelay(0);
    }
  });
});
