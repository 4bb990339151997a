// The CLI and TensorRT plugins: doctor reports where the standard plugins came from and checks --plugin libraries;
// run imports RoiAlign as TensorRT's ROIAlign_TRT (compared with onnxruntime-node) and a custom operator as the
// plugin of a --plugin library; without the library the build fails in the parser's words with the cause.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugins } from '../../lib/index.js';
import { model, node, valueInfo } from '../models/onnx-builder.js';
import { STACK_TRACE, cliPackage, json, runCli, scratch } from './helpers.js';

const dir = scratch('plugins');
const SIM = ['--backend', 'simulator'];
const simulatorDir = () => path.dirname(plugins({ backend: 'simulator' }).standard.path!);
let swishLibrary: string;
let roiAlign: string;
let swish: string;

beforeAll(async () => {
  await cliPackage();
  swishLibrary = path.join(simulatorDir(), 'libtrtsim_test_plugins.so');
  roiAlign = path.join(dir, 'roi-align.onnx');
  writeFileSync(roiAlign, model({
    opset: 16,
    inputs: [valueInfo('X', 'float32', [1, 2, 8, 8]), valueInfo('rois', 'float32', [3, 4]), valueInfo('batch', 'int64', [3])],
    outputs: [valueInfo('Y', 'float32', [3, 2, 2, 2])],
    nodes: [node('RoiAlign', ['X', 'rois', 'batch'], ['Y'], { output_height: 2, output_width: 2, sampling_ratio: 2 })],
  }));
  writeFileSync(path.join(dir, 'rois.json'), JSON.stringify([[0, 0, 7, 7], [1.5, 2, 6, 4.5], [-2, 3, 9, 12]]));
  writeFileSync(path.join(dir, 'batch.json'), JSON.stringify([0, 0, 0])); // in range: X has one image
  swish = path.join(dir, 'swish.onnx');
  writeFileSync(swish, model({
    inputs: [valueInfo('x', 'float32', [2, 3])],
    outputs: [valueInfo('y', 'float32', [2, 3])],
    nodes: [node('Swish_TRTN', ['x'], ['y'], { beta: 2.5 })],
  }));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('plugins in the CLI', () => {
  it('doctor reports the standard plugins and checks each --plugin library, failing on one that does not load', async () => {
    // Named twice (by another spelling too): the library loads once, and each row still tells what it provides.
    const r = await runCli(['doctor', ...SIM, '--plugin', swishLibrary, '--plugin', `${path.dirname(swishLibrary)}/./${path.basename(swishLibrary)}`]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/TensorRT plugins\s+ok\s+\S*libtrtsim_nvinfer_plugin\.so; \d+ plugin creator\(s\) registered/);
    expect(r.stdout.match(/plugin libtrtsim_test_plugins\.so\s+ok\s+\S*libtrtsim_test_plugins\.so: 1 plugin creator\(s\): Swish_TRTN v1/g)).toHaveLength(2);

    const bad = await runCli(['doctor', ...SIM, '--plugin', path.join(simulatorDir(), 'libtrtsim_cudart.so'), '--json']);
    expect(bad.code).toBe(1);
    const doc = json(bad);
    expect(doc.plugins.standard.path).toMatch(/libtrtsim_nvinfer_plugin\.so$/);
    expect(doc.plugins.creators).toContainEqual({ name: 'ROIAlign_TRT', version: '2', namespace: '', kind: 'v3', library: plugins({ backend: 'simulator' }).standard.path });
    expect(doc.checks.find((c: { id: string }) => c.id.startsWith('plugin:'))).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('INVALID_ARGUMENT: the plugin library'),
    });
    expect(doc.verdict).toMatch(/cannot run on this machine: the plugin library .*libtrtsim_cudart\.so does not load/);
  });

  it('run imports RoiAlign as ROIAlign_TRT and matches onnxruntime-node', async () => {
    const r = await runCli(['run', roiAlign, ...SIM, '--input', 'X=random', '--input', `rois=${path.join(dir, 'rois.json')}`, '--input', `batch=${path.join(dir, 'batch.json')}`, '--compare', 'cpu']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/: PASS/);
  });

  it('run --plugin imports a custom operator as the plugin of that library', async () => {
    const r = await runCli(['run', swish, ...SIM, '--plugin', swishLibrary, '--input', 'x=random', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(json(r).outputs[0]).toMatchObject({ name: 'y', dtype: 'float32', shape: [2, 3] });
  });

  it('an engine with a custom plugin: inspect and run need --plugin and say so without it; with it inspect, verify and run work', async () => {
    const out = path.join(dir, 'swish-engines');
    const built = await runCli(['build', swish, ...SIM, '--plugin', swishLibrary, '--out', out, '--json']);
    expect(built.code, built.stderr).toBe(0);
    const engine = json(built).path as string;
    const without = await runCli(['inspect', engine, ...SIM]);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('error [LIBRARY_NOT_FOUND]: the engine uses the TensorRT plugin Swish_TRTN (version 1), which no registered plugin library provides');
    expect(without.stderr).toContain('hint: load the plugin library that provides the plugin Swish_TRTN (version 1) with --plugin <library>');
    expect(without.stderr).not.toMatch(STACK_TRACE);
    for (const args of [['inspect', engine], ['verify', engine], ['run', engine, '--input', 'x=random']]) {
      const r = await runCli([...args, ...SIM, '--plugin', swishLibrary]);
      expect(r.code, `${args[0]}: ${r.stdout}${r.stderr}`).toBe(0);
      if (args[0] === 'inspect') expect(r.stdout).toMatch(/plugins\s+Swish_TRTN \(version 1\)/); // from the sidecar
    }
  });

  it('verify reads the plugins an engine needs from its sidecar: without --plugin it fails, naming the plugin and the fix', async () => {
    const out = path.join(dir, 'swish-verify');
    const built = await runCli(['build', swish, ...SIM, '--plugin', swishLibrary, '--out', out, '--json']);
    expect(built.code, built.stderr).toBe(0);
    expect(json(built).sidecar.plugins).toEqual([{ name: 'Swish_TRTN', version: '1', namespace: '', library: swishLibrary }]);
    const engine = json(built).path as string;
    const r = await runCli(['verify', engine, ...SIM]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`[LIBRARY_NOT_FOUND] engine ${engine} uses the TensorRT plugin Swish_TRTN (version 1), which no registered plugin library provides`);
    expect(r.stdout).toContain('fix: load the plugin library that provides the plugin Swish_TRTN (version 1) with --plugin <library>');
    expect(r.stdout).toContain(`where the engine was built it was ${swishLibrary}`);
    const doc = json(await runCli(['verify', engine, ...SIM, '--json']));
    expect(doc).toMatchObject({ ok: false, error: { code: 'LIBRARY_NOT_FOUND', plugin: { name: 'Swish_TRTN', version: '1', namespace: '', library: swishLibrary } } });
    // build --out on the same folder without --plugin: the engine is kept (not quarantined and rebuilt).
    const again = await runCli(['build', swish, ...SIM, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error [LIBRARY_NOT_FOUND]');
    expect(existsSync(path.join(out, 'quarantine'))).toBe(false);
  });

  it('verify --load finds the plugin an older sidecar does not list: deserializing names it', async () => {
    const out = path.join(dir, 'swish-old-sidecar');
    const built = await runCli(['build', swish, ...SIM, '--plugin', swishLibrary, '--out', out, '--json']);
    expect(built.code, built.stderr).toBe(0);
    const engine = json(built).path as string;
    const sidecarPath = engine.replace(/\.engine$/, '.json');
    const { plugins: _, ...older } = JSON.parse(readFileSync(sidecarPath, 'utf8'));
    writeFileSync(sidecarPath, JSON.stringify(older));
    expect((await runCli(['verify', engine, ...SIM])).code).toBe(0); // what the sidecar alone can tell
    const r = await runCli(['verify', engine, ...SIM, '--load']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/\[LIBRARY_NOT_FOUND\] .*Swish_TRTN/);
    expect(r.stdout).toContain('fix: load the plugin library that provides');
    expect((await runCli(['verify', engine, ...SIM, '--load', '--plugin', swishLibrary])).stdout).toContain(`ok      ${engine} was loaded by this 'simulator' runtime`);
  });

  it('inspect of a model names the plugin layers the parser made', async () => {
    const r = await runCli(['inspect', roiAlign, ...SIM]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("the simulator backend's ONNX parser takes the model, with plugin layers: ROIAlign_TRT (version 2)");
    expect(json(await runCli(['inspect', roiAlign, ...SIM, '--json'])).network.plugins).toEqual([{ name: 'ROIAlign_TRT', version: '2', namespace: '', kind: 'v3', library: plugins({ backend: 'simulator' }).standard.path }]);
  });

  it("build and run print TensorRT's warnings of a build that succeeded, once, and --json carries them; the sidecar keeps them; inspect shows them and the parser's", async () => {
    const defaults = path.join(dir, 'swish-defaults.onnx');
    writeFileSync(defaults, model({
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [2, 3])],
      nodes: [node('Swish_TRTN', ['x'], ['y'], {})],
    }));
    const warning = 'TensorRT: Attribute beta not found in plugin node! Ensure that the plugin creator has a default value defined or the engine may fail to build.';
    const out = path.join(dir, 'defaults-engines');
    const built = await runCli(['build', defaults, ...SIM, '--plugin', swishLibrary, '--out', out]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr.split('\n').filter((line) => line.includes('warning'))).toEqual([`warning: ${warning}`]);
    const reused = await runCli(['build', defaults, ...SIM, '--plugin', swishLibrary, '--out', out, '--json']);
    expect(json(reused)).toMatchObject({ built: false, warnings: [] }); // nothing was built, so nothing to say
    // The sidecar keeps them with the engine, and inspect shows them.
    expect(json(reused).sidecar.build_warnings).toEqual([warning.replace('TensorRT: ', '')]);
    const engineInspected = await runCli(['inspect', json(reused).path, ...SIM, '--plugin', swishLibrary]);
    expect(engineInspected.stdout).toContain(`  warned    ${warning}`);
    const ran = await runCli(['run', defaults, ...SIM, '--plugin', swishLibrary, '--input', 'x=random', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(json(ran).warnings).toEqual([warning]);
    expect(ran.stderr).toContain(`warning: ${warning}`);
    const inspected = await runCli(['inspect', defaults, ...SIM, '--plugin', swishLibrary]);
    expect(inspected.stdout).toContain(`        TensorRT warns: ${warning.replace('TensorRT: ', '')}`);
  });

  it('without the library the build fails with the parser\'s words and the cause; a missing --plugin file is a usage error', async () => {
    const r = await runCli(['build', swish, ...SIM, '--out', path.join(dir, 'engines')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Plugin not found, are the plugin name, version, and namespace correct?');
    expect(r.stderr).toContain("TensorRT's ONNX parser has no importer for Swish_TRTN");
    expect(r.stderr).toContain('no plugin library was loaded');
    expect(r.stderr).toContain('hint: load the plugin library that provides it with --plugin <library>');
    expect(r.stderr).not.toMatch(STACK_TRACE);
    const missing = await runCli(['build', swish, ...SIM, '--plugin', path.join(dir, 'nope.so')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/the plugin library .*nope\.so does not exist/);
  });
});
