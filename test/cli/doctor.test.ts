// doctor: exit 0 only when the chosen backend can run. TENSORRT_NODE_LIB_DIR points the real backend at an empty
// folder, so the test means the same on a machine that has TensorRT installed.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_TRACE, cliPackage, cliPackageWithoutOrt, json, runCli, scratch } from './helpers.js';

const dir = scratch('doctor');
const noTensorRT = { TENSORRT_NODE_LIB_DIR: dir };

beforeAll(() => cliPackage(), 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.concurrent('doctor', () => {
  it('without TensorRT exits 1 with a failed libnvinfer row, every path tried and the fix', async () => {
    const r = await runCli(['doctor'], { env: noTensorRT });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/libnvinfer\s+FAIL\s+LIBRARY_NOT_FOUND: TensorRT \(libnvinfer\) could not be loaded/);
    expect(r.stdout).toContain(`tried ${path.join(dir, 'libnvinfer.so')}`);
    expect(r.stdout).toMatch(/fix: Install TensorRT and the CUDA runtime.*TENSORRT_NODE_LIB_DIR.*--backend simulator/);
    expect(r.stdout).toMatch(/libcudart\s+-\s+not checked: loading stopped at libnvinfer/);
    expect(r.stdout).toContain("verdict: the 'tensorrt' backend cannot run on this machine: libnvinfer could not be loaded (LIBRARY_NOT_FOUND)");
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('--json without TensorRT reports the failed library with its error and the paths tried', async () => {
    const r = await runCli(['doctor', '--json'], { env: noTensorRT });
    expect(r.code).toBe(1);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'doctor', ok: false, backend: 'tensorrt', cuda: null, device: null });
    const lib = doc.libraries.find((l: { name: string }) => l.name === 'libnvinfer');
    expect(lib).toMatchObject({ status: 'fail', path: null, error: { code: 'LIBRARY_NOT_FOUND' } });
    expect(lib.tried.length).toBeGreaterThan(0);
    expect(lib.tried.every((t: string) => t.startsWith(dir))).toBe(true);
    const row = doc.checks.find((c: { id: string }) => c.id === 'library:libnvinfer');
    expect(row).toMatchObject({ status: 'fail', title: 'libnvinfer' });
    expect(row.fix).toContain('TENSORRT_NODE_LIB_DIR');
    expect(doc.verdict).toMatch(/cannot run/);
  });

  it('--backend simulator exits 0 with every row ok', async () => {
    const r = await runCli(['doctor', '--backend', 'simulator']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/libnvinfer\s+ok\s+\S*libtrtsim_nvinfer\.so \(TensorRT 10\.16\.1, headers 10\.16\.1\)/);
    expect(r.stdout).toMatch(/CUDA\s+ok\s+runtime 13\.0, driver 13\.0/);
    expect(r.stdout).toMatch(/GPU\s+ok\s+device 0: tensorrt-node simulated GPU, compute capability 8\.9/);
    expect(r.stdout).toMatch(/onnxruntime-node\s+ok\s+1\.30\.0; execution providers: cpu/);
    expect(r.stdout).toContain("verdict: the 'simulator' backend can run on this machine");
  });

  it('--backend simulator --json has the documented fields', async () => {
    const r = await runCli(['doctor', '--backend', 'simulator', '--json']);
    expect(r.code).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({
      command: 'doctor',
      ok: true,
      backend: 'simulator',
      node: { version: process.version, napiVersion: Number(process.versions.napi) },
      addon: { loaded: true, napiVersion: 8, error: null },
      cuda: { runtimeVersion: '13.0', driverVersion: '13.0' },
      device: { index: 0, computeCapability: '8.9' },
      onnxruntime: { installed: true, version: '1.30.0', error: null },
    });
    expect(doc.addon.backends).toContainEqual({ kind: 'simulator', headerVersion: '10.16.1', simulatorHeader: true });
    expect(doc.libraries.map((l: { name: string }) => l.name)).toEqual(['libnvinfer', 'libcudart', 'libnvonnxparser']);
    expect(doc.libraries[0]).toMatchObject({ status: 'ok', version: '10.16.1', error: null });
    expect(doc.device.totalMemoryBytes).toBeGreaterThan(0);
    expect(doc.onnxruntime.executionProviders).toContainEqual({ name: 'cpu', bundled: true });
    expect(doc.checks.every((c: { status: string }) => c.status === 'ok')).toBe(true);
  });

  it('lists every GPU of the machine, each with its own row', async () => {
    const r = await runCli(['doctor', '--backend', 'simulator', '--json'], { env: { TRTSIM_DEVICE_COUNT: '2' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = json(r);
    expect(doc.devices.map((d: { index: number; computeCapability: string }) => [d.index, d.computeCapability])).toEqual([[0, '8.9'], [1, '8.9']]);
    expect(doc.device).toEqual(doc.devices[0]);
    expect(doc.checks.filter((c: { id: string }) => c.id.startsWith('gpu')).map((c: { id: string; status: string }) => [c.id, c.status]))
      .toEqual([['gpu', 'ok'], ['gpu:1', 'ok']]);
    const human = await runCli(['doctor', '--backend', 'simulator'], { env: { TRTSIM_DEVICE_COUNT: '2' } });
    expect(human.stdout).toMatch(/^GPU 1\s+ok\s+device 1: tensorrt-node simulated GPU, compute capability 8\.9/m);
  });

  it('without onnxruntime-node warns with the install command and still passes', async () => {
    const r = await runCli(['doctor', '--backend', 'simulator'], { pkg: await cliPackageWithoutOrt() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/onnxruntime-node\s+WARN\s+not installed \(optional: only `run --compare cpu` needs it\)/);
    expect(r.stdout).toContain('fix: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node');
  });
});
