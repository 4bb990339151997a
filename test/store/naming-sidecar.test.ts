// Engine names, the sidecar's fields, the plan header read without deserializing, and the commit of both files.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError, InvalidArgumentError, Runtime } from '../../lib/index.js';
import { commitEngine } from '../../lib/store/commit.js';
import { EngineStore, engineName, parseEngineName, parsePlanHeader, readPlanHeader, readSidecar, SIDECAR_FORMAT, sidecarPathOf } from '../../lib/store/index.js';
import type { Sidecar } from '../../lib/store/index.js';
import { rewritePlanHeader } from '../../lib/testing/index.js';
import { PROFILES, simulatorPlan } from '../helpers/engines.js';
import { getModel } from '../models/index.js';

let work: string;
let runtime: Runtime;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trt-store-names-'));
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(async () => {
  runtime.dispose();
  await rm(work, { recursive: true, force: true });
});

describe('engine names', () => {
  const parts = { task: 'embed', model: 'minilm', revision: '3f2a1c', trtVersion: '10.16.1', precision: 'fp16', computeCapability: '8.9' } as const;

  it('follow <task>.<model>-<revision>-trt<version>-<precision>-sm<cc>.engine and parse back', () => {
    expect(engineName(parts)).toBe('embed.minilm-3f2a1c-trt10.16.1-fp16-sm89.engine');
    expect(parseEngineName('embed.minilm-3f2a1c-trt10.16.1-fp16-sm89.engine')).toEqual(parts);
    const dashed = { ...parts, model: 'all-MiniLM-L6-v2.onnx', computeCapability: '10.0', precision: 'int8' } as const;
    expect(engineName(dashed)).toBe('embed.all-MiniLM-L6-v2.onnx-3f2a1c-trt10.16.1-int8-sm100.engine');
    expect(parseEngineName(engineName(dashed))).toEqual(dashed);
  });

  it('refuse parts that would make the name ambiguous or leave the folder', () => {
    for (const bad of [{ task: 'a.b' }, { task: '' }, { model: '../x' }, { model: 'a/b' }, { revision: 'v-1' }, { trtVersion: '10.16' }, { computeCapability: '8.10' }]) {
      expect(() => engineName({ ...parts, ...bad }), JSON.stringify(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => engineName({ ...parts, precision: 'fp8' as never })).toThrow(/precision must be one of fp32, fp16, bf16, int8/);
    expect(() => engineName({ ...parts, model: '.hidden' })).toThrow(/engine model ".hidden" is not usable in a file name/);
  });

  it('other files are not engine names', () => {
    for (const name of ['x.engine', '.embed.minilm-3f2a1c-trt10.16.1-fp16-sm89.engine.123.abc.tmp', 'embed.minilm-3f2a1c-trt10.16.1-fp16-sm89.json', 'embed.minilm-3f2a1c-trt10.16.1-fp64-sm89.engine']) {
      expect(parseEngineName(name), name).toBeUndefined();
    }
  });
});

describe('the sidecar', () => {
  it('records where the engine came from and what it needs', async () => {
    const store = new EngineStore(path.join(work, 'fields'));
    const onnx = getModel('mlp').onnx;
    const before = Date.now();
    const { path: enginePath, sidecar } = await store.getOrBuild(onnx, { runtime, task: 'embed', model: 'mlp', profiles: [PROFILES.mlp!] });
    const revision = sha256(onnx).slice(0, 12);
    expect(path.basename(enginePath)).toBe(`embed.mlp-${revision}-trt10.16.1-fp32-sm89.engine`);
    const plan = await readFile(enginePath);
    const pkg = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    const expected: Sidecar = {
      format: SIDECAR_FORMAT,
      task: 'embed',
      model_name: 'mlp',
      model_revision: revision,
      onnx_sha256: sha256(onnx),
      backend: 'simulator',
      trt_version: '10.16.1',
      cuda_version: '13.0',
      compute_capability: '8.9',
      device_name: 'tensorrt-node simulated GPU',
      precision: 'fp32',
      build_options: { profiles: [{ x: { min: [1, 16], opt: [4, 16], max: [16, 16] } }], workspace_bytes: null, optimization_level: null, flags: [] },
      max_batch_size: 16,
      seq_len: null,
      plan_sha256: sha256(plan),
      plan_bytes: plan.length,
      created_at: sidecar.created_at,
      builder: `tensorrt-node@${pkg.version}`,
      plugins: [], // known to use none (absent in sidecars written before plugins were recorded)
      build_warnings: [], // TensorRT had nothing to say (absent in sidecars written before they were recorded)
    };
    expect(sidecar).toEqual(expected);
    expect(SIDECAR_FORMAT).toBe('tensorrt-node-engine/1');
    expect(Date.parse(sidecar.created_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(sidecar.created_at).toBe(new Date(sidecar.created_at).toISOString());
    // The file holds exactly what getOrBuild returned, and the plan's own header agrees on the version.
    expect((await readPlanHeader(enginePath)).trtVersion?.slice(0, 3)).toEqual([10, 16, 1]);
    expect(await readSidecar(sidecarPathOf(enginePath))).toEqual(expected);
  });

  it("keeps TensorRT's build warnings; a sidecar from before they were recorded verifies, a malformed list does not", async () => {
    const store = new EngineStore(path.join(work, 'warnings'));
    const { path: enginePath, sidecar } = await store.getOrBuild(getModel('mlp').onnx, {
      runtime,
      task: 'int8',
      model: 'mlp',
      profiles: [PROFILES.mlp!],
      precision: 'int8',
      calibrationCache: new TextEncoder().encode('TRT-101601-EntropyCalibration2\nh: 3c000000\nh_relu: 3c000000\ny: 3c000000\n'),
    });
    expect(sidecar.build_warnings).toEqual([
      'Missing scale and zero-point for tensor x, expect fall back to non-int8 implementation for any layer consuming or producing given tensor',
    ]);
    const { build_warnings: _, ...older } = sidecar;
    await writeFile(sidecarPathOf(enginePath), JSON.stringify(older));
    expect((await store.verify(enginePath, { runtime })).build_warnings).toBeUndefined();
    await writeFile(sidecarPathOf(enginePath), JSON.stringify({ ...sidecar, build_warnings: 'x' }));
    await expect(store.verify(enginePath, { runtime })).rejects.toMatchObject({ code: 'ENGINE_CORRUPT', message: expect.stringContaining('build_warnings must be a list of strings, got "x"') });
  });

  it('max_batch_size and seq_len come from the dims the profiles let vary; options are recorded', async () => {
    const store = new EngineStore(path.join(work, 'dims'));
    const { sidecar } = await store.getOrBuild(getModel('embedding').onnx, {
      runtime,
      task: 'embed',
      model: 'embedding',
      revision: 'r1',
      profiles: [PROFILES.embedding!],
      workspaceBytes: 1 << 26,
      optimizationLevel: 2,
    });
    expect(sidecar).toMatchObject({ model_revision: 'r1', max_batch_size: 8, seq_len: 32 });
    expect(sidecar.build_options).toMatchObject({ workspace_bytes: 1 << 26, optimization_level: 2, flags: [] });
    const fixed = await store.getOrBuild(getModel('tiny_add').onnx, { runtime, task: 'add', model: 'tiny_add' });
    expect(fixed.sidecar).toMatchObject({ max_batch_size: null, seq_len: null, build_options: { profiles: [] } });
  });
});

describe('the plan header', () => {
  it('gives the TensorRT version at bytes 24..27 without deserializing', async () => {
    const plan = await simulatorPlan('mlp');
    expect(parsePlanHeader(plan, 'plan').trtVersion?.slice(0, 3)).toEqual([10, 16, 1]);
    expect(parsePlanHeader(rewritePlanHeader(plan, { trtVersion: [10, 15, 1, 4] }), 'plan').trtVersion).toEqual([10, 15, 1, 4]);
  });

  it('refuses what is not a plan, and does not guess the layout it does not know', () => {
    expect(() => parsePlanHeader(new Uint8Array(3), 'engine x')).toThrow(/engine x is not a TensorRT plan: it has only 3 bytes/);
    expect(() => parsePlanHeader(new TextEncoder().encode('{"not": "a plan"}'), 'engine x')).toThrow(/instead of the "ftrt" tag/);
    const otherLayout = new Uint8Array(32);
    new DataView(otherLayout.buffer).setUint32(0, 0x74727466, true);
    new DataView(otherLayout.buffer).setUint32(4, 7, true);
    expect(parsePlanHeader(otherLayout, 'engine x')).toEqual({ layout: 7 });
    expect(() => parsePlanHeader(otherLayout.subarray(0, 20).map((b, i) => (i === 4 ? 0 : b)), 'engine x')).toThrow(/truncated inside its 28-byte header/);
  });
});

describe('commitEngine', () => {
  async function sidecarFor(plan: Uint8Array): Promise<Sidecar> {
    const store = new EngineStore(path.join(work, 'model-sidecar'));
    const { sidecar } = await store.getOrBuild(getModel('mlp').onnx, { runtime, task: 'c', model: 'mlp', profiles: [PROFILES.mlp!] });
    return { ...sidecar, plan_sha256: sha256(plan), plan_bytes: plan.length };
  }

  it('puts the engine and its sidecar in place, with nothing else left', async () => {
    const dir = path.join(work, 'commit');
    await rm(dir, { recursive: true, force: true });
    const plan = await simulatorPlan('mlp');
    const sidecar = await sidecarFor(plan);
    await mkdir(dir);
    const enginePath = path.join(dir, engineName({ task: 'c', model: 'mlp', revision: sidecar.model_revision, trtVersion: '10.16.1', precision: 'fp32', computeCapability: '8.9' }));
    await commitEngine(enginePath, plan, sidecar);
    expect((await readdir(dir)).sort()).toEqual([path.basename(sidecarPathOf(enginePath)), path.basename(enginePath)].sort());
    expect((await stat(enginePath)).size).toBe(plan.length);
    expect(await new EngineStore(dir).verify(enginePath, { runtime })).toEqual(sidecar);
  });

  it('cancelled after the temp files are written: ABORTED and the temp files are removed', async () => {
    const dir = path.join(work, 'commit-abort');
    await mkdir(dir, { recursive: true });
    const plan = await simulatorPlan('mlp');
    const e = await commitEngine(path.join(dir, 'c.mlp-r-trt10.16.1-fp32-sm89.engine'), plan, await sidecarFor(plan), AbortSignal.abort()).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AbortedError);
    expect(await readdir(dir)).toEqual([]);
  });
});
