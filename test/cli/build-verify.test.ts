// build through the EngineStore (engine + sidecar, reuse, naming, progress, SIGINT) and verify against this
// machine's runtime (ok, corrupted, wrong model, missing sidecar).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { model as onnxModel, node, valueInfo } from '../models/onnx-builder.js';
import { fp8QuantDequant, qdqMlp } from '../models/qdq-models.js';
import { STACK_TRACE, cliPackage, collect, json, runCli, scratch, spawnCli, writeExampleModel, writeZooModel } from './helpers.js';

const dir = scratch('build');
const out = path.join(dir, 'engines');
const SIM = ['--backend', 'simulator'];
const PROFILE = ['--profile', 'x:1x16:8x16:64x16'];
let model: string;
let engine: string;

beforeAll(async () => {
  await cliPackage();
  model = await writeExampleModel(dir);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the engine and its sidecar in a folder of its own, to damage without touching the shared one. */
function copyEntry(name: string): string {
  const target = path.join(dir, name);
  mkdirSync(target, { recursive: true });
  const copy = path.join(target, path.basename(engine));
  copyFileSync(engine, copy);
  copyFileSync(engine.replace(/\.engine$/, '.json'), copy.replace(/\.engine$/, '.json'));
  return copy;
}

describe('build', () => {
  it('builds an engine and its sidecar into --out, printing both, with plain progress lines on stderr', async () => {
    const r = await runCli(['build', model, ...SIM, ...PROFILE, '--out', out], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^default\.mlp-[0-9a-f]{12}-trt10\.16\.1-fp32-sm89\.engine$/);
    expect(files[1]).toBe(files[0]!.replace('.engine', '.json'));
    engine = path.join(out, files[0]!);
    expect(r.stdout).toContain(`built   ${engine}`);
    expect(r.stdout).toContain(`sidecar ${engine.replace('.engine', '.json')}`);
    expect(r.stdout).toMatch(/precision fp32\n\s+profiles\s+0: x \[1,16\]\.\.\[64,16\] \(opt \[8,16\]\)/);
    expect(r.stderr).toMatch(/^build: Building engine \(\d+ steps\)$/m);
    expect(r.stderr).toMatch(/^build: Building engine done in \d+ ms$/m);
    expect(r.stderr).not.toContain('\x1b'); // no terminal control codes off a TTY
  });

  it('a second build reuses the verified engine; --json has the documented fields', async () => {
    const r = await runCli(['build', model, ...SIM, ...PROFILE, '--out', out, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'build', ok: true, path: engine, sidecarPath: engine.replace('.engine', '.json'), built: false, quarantined: null });
    expect(doc.seconds).toEqual(expect.any(Number));
    expect(doc.sidecar).toMatchObject({ task: 'default', model_name: 'mlp', precision: 'fp32', backend: 'simulator', trt_version: '10.16.1', compute_capability: '8.9' });
    expect(doc.sidecar.build_options.profiles).toEqual([{ x: { min: [1, 16], opt: [8, 16], max: [64, 16] } }]);
    expect(r.stderr).not.toContain('Building engine');
    expect(readdirSync(out)).toHaveLength(2);
  });

  it('--task, --model, --revision, --precision and --timing-cache shape the engine and its sidecar', async () => {
    const cache = path.join(dir, 'timing.cache');
    const r = await runCli(['build', model, ...SIM, ...PROFILE, '--out', path.join(dir, 'named'), '--task', 'embed', '--model', 'mini-lm', '--revision', 'r1', '--precision', 'fp16', '--timing-cache', cache, '--workspace', '64', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r);
    expect(path.basename(doc.path)).toBe('embed.mini-lm-r1-trt10.16.1-fp16-sm89.engine');
    expect(doc.built).toBe(true);
    expect(doc.sidecar.build_options).toMatchObject({ workspace_bytes: 64 * 2 ** 20, flags: ['fp16'] });
    expect(existsSync(cache)).toBe(true);
  });

  it("--precision int8 with a calibration cache that misses tensors: TensorRT's warnings on stderr once, a few of them in inspect", async () => {
    const cache = path.join(dir, 'partial.cache');
    writeFileSync(cache, 'TRT-101601-EntropyCalibration2\nunrelated: 3c000000\n'); // scales for none of the model's tensors
    const r = await runCli(['build', model, ...SIM, ...PROFILE, '--precision', 'int8', '--calib-cache', cache, '--out', path.join(dir, 'int8')]);
    expect(r.code, r.stderr).toBe(0);
    const missing = r.stderr.split('\n').filter((l) => l.startsWith('warning: TensorRT: Missing scale and zero-point for tensor '));
    expect(missing.length).toBeGreaterThan(3);
    expect(r.stdout).not.toContain('Missing scale'); // not repeated under the sidecar
    const inspected = await runCli(['inspect', readdirSync(path.join(dir, 'int8')).map((f) => path.join(dir, 'int8', f)).find((f) => f.endsWith('.engine'))!, ...SIM]);
    expect(inspected.stdout.match(/TensorRT: Missing scale/g)).toHaveLength(3);
    expect(inspected.stdout).toContain(`… and ${missing.length - 3} more in the sidecar's build_warnings`);
  });

  it('--precision int8 of a model with Q/DQ nodes needs no --calib-cache (explicit quantization); one without still does', async () => {
    const qdq = path.join(dir, 'qdq.onnx');
    writeFileSync(qdq, qdqMlp());
    const r = await runCli(['build', qdq, ...SIM, '--profile', 'x:1x16:4x16:8x16', '--out', path.join(dir, 'int8'), '--precision', 'int8', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(path.basename(json(r).path)).toMatch(/^default\.qdq-[0-9a-f]{12}-trt10\.16\.1-int8-sm89\.engine$/);
    const plain = await runCli(['build', model, ...SIM, ...PROFILE, '--out', path.join(dir, 'int8'), '--precision', 'int8']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--precision int8 needs --calib-cache <file>, .* or a model with Q\/DQ \(QuantizeLinear\/DequantizeLinear\) nodes/);
  });

  it('--strongly-typed builds an FP8 Q/DQ model (no precision flag can) and records it; with --precision it exits 2', async () => {
    const fp8 = path.join(dir, 'fp8.onnx');
    writeFileSync(fp8, fp8QuantDequant(true));
    const r = await runCli(['build', fp8, ...SIM, '--profile', 'x:1x64:2x64:4x64', '--out', path.join(dir, 'typed'), '--strongly-typed', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).sidecar.build_options.flags).toEqual(['strongly-typed']);
    expect(r.stderr).not.toMatch(/warning/);
    const both = await runCli(['build', fp8, ...SIM, '--profile', 'x:1x64:2x64:4x64', '--out', path.join(dir, 'typed'), '--strongly-typed', '--precision', 'fp16']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--strongly-typed takes no --precision \(got fp16\): the model's own types decide/);
  });

  it('a name the store cannot use exits 2 with its rule', async () => {
    const r = await runCli(['build', model, ...SIM, ...PROFILE, '--out', path.join(dir, 'bad'), '--task', 'a.b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[INVALID_ARGUMENT\]: engine task "a\.b" is not usable in a file name/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it('stderr closed by its reader (`2>&1 >out | head -1`) does not stop the build: engine, sidecar, JSON, no lock', async () => {
    const target = path.join(dir, 'stderr-closed');
    const child = await spawnCli(['build', model, ...SIM, ...PROFILE, '--out', target, '--json']);
    child.stderr!.destroy(); // before the CLI writes its first progress line: every write to stderr gets EPIPE
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stdout).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ command: 'build', ok: true, built: true });
    const files = readdirSync(target);
    expect(files.filter((f) => f.endsWith('.engine') || f.endsWith('.json'))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('Ctrl-C cancels the build through its AbortSignal and leaves no engine or sidecar', async () => {
    // Slow the simulator's builder down from inside the CLI process, so the signal lands mid-build.
    const pkg = await cliPackage();
    const preload = path.join(dir, 'slow-build.mjs');
    writeFileSync(preload, `import { simulator } from ${JSON.stringify(path.join(pkg.dir, 'dist', 'testing.js'))};\nsimulator.setBuildStepDelay(300);\n`);
    const target = path.join(dir, 'interrupted');
    const child = await spawnCli(['build', model, ...SIM, ...PROFILE, '--out', target], { nodeArgs: ['--import', preload] });
    const done = collect(child);
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (chunk: string) => {
        if (String(chunk).includes('Building engine')) resolve();
      });
    });
    child.kill('SIGINT');
    const r = await done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('SIGINT received, cancelling the build');
    expect(r.stderr).toMatch(/error \[ABORTED\]: the build was cancelled by SIGINT; no engine was written to /);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    const left = existsSync(target) ? readdirSync(target) : [];
    expect(left.filter((f) => f.endsWith('.engine') || f.endsWith('.json'))).toEqual([]);
  });
});

describe('verify', () => {
  it('a sound engine exits 0 with its sidecar', async () => {
    const r = await runCli(['verify', engine, ...SIM]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ok      ${engine} can be loaded by this 'simulator' runtime`);
    const doc = json(await runCli(['verify', engine, ...SIM, '--json', '--onnx', model]));
    expect(doc).toMatchObject({ command: 'verify', ok: true, path: engine, backend: 'simulator', error: null, fix: null });
    expect(doc.sidecar.model_name).toBe('mlp');
  });

  it('an engine reached through a symlink is the file it names: verify and inspect find its sidecar beside that file', async () => {
    const link = path.join(dir, `current-${Date.now()}.engine`);
    symlinkSync(engine, link);
    const r = await runCli(['verify', link, ...SIM]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(await runCli(['inspect', link, ...SIM, '--json'])).sidecar.model_name).toBe('mlp');
  });

  it('a corrupted engine exits 1 with the reason and what to run', async () => {
    const copy = copyEntry('corrupt');
    const bytes = readFileSync(copy);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(copy, bytes);
    const r = await runCli(['verify', copy, ...SIM]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAILED  .*\n\s+\[ENGINE_CORRUPT\] engine .* is corrupt: its SHA-256 is [0-9a-f]{64} but its sidecar records [0-9a-f]{64} \(the file was changed or damaged\)/);
    expect(r.stdout).toMatch(/fix: rebuild it with `tensorrt-node build <model\.onnx> --out /);
    const doc = json(await runCli(['verify', copy, ...SIM, '--json']));
    expect(doc).toMatchObject({ command: 'verify', ok: false, sidecar: null, error: { code: 'ENGINE_CORRUPT' } });
    expect(doc.error.expected).toMatch(/^[0-9a-f]{64}$/);
    expect(doc.fix).toContain('tensorrt-node build');
  });

  it('--load deserializes it too: a plan TensorRT refuses though its sidecar vouches for it exits 1, a sound one says it was loaded', async () => {
    const loaded = await runCli(['verify', engine, ...SIM, '--load']);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout).toContain(`ok      ${engine} was loaded by this 'simulator' runtime`);
    expect(json(await runCli(['verify', engine, ...SIM, '--load', '--json']))).toMatchObject({ ok: true, loaded: true });
    expect(json(await runCli(['verify', engine, ...SIM, '--json']))).toMatchObject({ ok: true, loaded: false });
    // A byte of the body changed and the sidecar rewritten to match: the store's checks pass, TensorRT's do not.
    const copy = copyEntry('resealed');
    const bytes = readFileSync(copy);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(copy, bytes);
    const sidecarPath = copy.replace(/\.engine$/, '.json');
    const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8'));
    sidecar.plan_sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(sidecarPath, JSON.stringify(sidecar));
    expect((await runCli(['verify', copy, ...SIM])).code).toBe(0);
    const r = await runCli(['verify', copy, ...SIM, '--load', '--json']);
    expect(r.code).toBe(1);
    expect(json(r)).toMatchObject({ ok: false, loaded: false, error: { code: 'ENGINE_CORRUPT' }, fix: expect.stringContaining('tensorrt-node build') });
  });

  it('a truncated engine, or one without its sidecar, exits 1 saying which', async () => {
    const truncated = copyEntry('truncated');
    writeFileSync(truncated, readFileSync(truncated).subarray(0, 100));
    const t = await runCli(['verify', truncated, ...SIM]);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/has 100 bytes but its sidecar records \d+ \(truncated\)/);

    const lone = copyEntry('lone');
    rmSync(lone.replace(/\.engine$/, '.json'));
    const l = await runCli(['verify', lone, ...SIM]);
    expect(l.code).toBe(1);
    expect(l.stdout).toMatch(/\[ENGINE_CORRUPT\] the engine's sidecar .* is missing/);
    expect(l.stdout).toMatch(/fix: rebuild it with .*which moves this engine to quarantine\/ first/);

    // A file the store did not name: build would write another file, and says so.
    const renamed = path.join(path.dirname(lone), 'current.engine');
    copyFileSync(lone, renamed);
    const r = await runCli(['verify', renamed, ...SIM]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/fix: build a new engine from its model .*this file is not named as the store names engines/);
  });

  it('a file that is not an engine (an ONNX model) exits 2 saying so, not that its sidecar is missing', async () => {
    const r = await runCli(['verify', model, ...SIM]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error [USAGE]: ${model} is not a TensorRT engine (it does not start with the "ftrt" tag)`);
    expect(r.stdout + r.stderr).not.toMatch(/sidecar|quarantine/);
    expect(json(await runCli(['verify', model, ...SIM, '--json']))).toMatchObject({ command: 'verify', ok: false, error: { code: 'USAGE' } });
  });

  it('--onnx with another model exits 1: the engine was built from something else', async () => {
    const other = writeZooModel(dir, 'mlp', 'other-mlp.onnx');
    const r = await runCli(['verify', engine, ...SIM, '--onnx', other]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\[ENGINE_INCOMPATIBLE\] .* built from another version of the model/);
  });
});

describe('shape tensor inputs (--values)', () => {
  // y = Reshape(x, target): TensorRT reads the target's values on the host, and the profile gives their range.
  const reshape = () => {
    const file = path.join(dir, 'reshape.onnx');
    writeFileSync(
      file,
      onnxModel({
        inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('target', 'int64', [2])],
        outputs: [valueInfo('y', 'float32', ['a', 'b'])],
        nodes: [node('Reshape', ['x', 'target'], ['y'])],
      }),
    );
    return file;
  };
  const X = ['--profile', 'x:1x4:2x4:8x4'];

  it('build says which option a shape tensor input needs, takes its --values, and inspect and run use them', async () => {
    const file = reshape();
    const store = path.join(dir, 'shape-engines');
    const missing = await runCli(['build', file, ...SIM, ...X, '--out', store]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("input 'target' is a shape tensor (its values decide output shapes, and TensorRT reads them on the host): give its range of values with --values target:<min>:<opt>:<max>");
    const asDims = await runCli(['build', file, ...SIM, ...X, '--values', 'x:1,4:2,4:8,4', '--out', store]);
    expect(asDims.code).toBe(2);
    expect(asDims.stderr).toMatch(/input 'x' has both --profile and --values/);
    const count = await runCli(['build', file, ...SIM, ...X, '--values', 'target:1:2:3', '--out', store]);
    expect(count.code).toBe(2);
    expect(count.stderr).toMatch(/--values for 'target' gives 1 values, but the model declares \[2\] \(2 elements\)/);

    const built = await runCli(['build', file, ...SIM, ...X, '--values', 'target:-1,1:2,4:32,32', '--out', store], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain('0: target values [-1,1]..[32,32] (opt [2,4])');
    const engineFile = path.join(store, readdirSync(store).find((f) => f.endsWith('.engine'))!);

    const shown = await runCli(['inspect', engineFile, ...SIM]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/target\s+input\s+int64\s+\[2\]\s+linear\s+host/);
    expect(shown.stdout).toContain('0: target values min [-1,1] opt [2,4] max [32,32] (a shape tensor, read on the host)');

    const target = path.join(dir, 'target.json');
    writeFileSync(target, JSON.stringify([8, 1]));
    const ran = await runCli(['run', engineFile, ...SIM, '--input', 'x=random', '--input', `target=${target}`, '--shapes', 'x:2x4', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(json(ran).outputs[0]).toMatchObject({ name: 'y', shape: [8, 1] });

    // run builds a temporary engine from ONNX for exactly the run's shapes and shape tensor values, compared with
    // onnxruntime; random values for a shape tensor would not fit its layers, so they must come from a file.
    const fromOnnx = await runCli(['run', file, ...SIM, '--input', 'x=random', '--input', `target=${target}`, '--shapes', 'x:2x4', '--compare', 'cpu', '--json']);
    expect(fromOnnx.code, fromOnnx.stderr).toBe(0);
    expect(json(fromOnnx).outputs[0]).toMatchObject({ name: 'y', shape: [8, 1] });
    expect(json(fromOnnx).compare).toMatchObject({ pass: true });
    const random = await runCli(['run', file, ...SIM, '--input', 'x=random', '--input', 'target=random', '--shapes', 'x:2x4']);
    expect(random.code).toBe(2);
    expect(random.stderr).toContain("input 'target' is a shape tensor (its values decide output shapes), so the engine is built for its values: give them in a file (--input target=values.json), not random");
  });
});

describe('shape tensor outputs (--shape-output)', () => {
  it('build marks the output, the sidecar and inspect say it lives on the host, and run reads its values', async () => {
    const file = path.join(dir, 'shape-of.onnx');
    writeFileSync(
      file,
      onnxModel({
        inputs: [valueInfo('x', 'float32', ['n', 4])],
        outputs: [valueInfo('y', 'float32', ['n', 4]), valueInfo('dims', 'int64', [2])],
        nodes: [node('Relu', ['x'], ['y']), node('Shape', ['x'], ['dims'])],
      }),
    );
    const store = path.join(dir, 'shape-output-engines');
    const unknown = await runCli(['build', file, ...SIM, '--profile', 'x:1x4:2x4:8x4', '--shape-output', 'size', '--out', store]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("shape output 'size': the model has no output of that name (its outputs: y, dims)");
    const twice = await runCli(['build', file, ...SIM, '--shape-output', 'dims', '--shape-output', 'dims', '--out', store]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("'dims' is given twice");

    const built = await runCli(['build', file, ...SIM, '--profile', 'x:1x4:2x4:8x4', '--shape-output', 'dims', '--out', store]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain('outputs   shape tensor outputs (on the host): dims');
    const engineFile = path.join(store, readdirSync(store).find((f) => f.endsWith('.engine'))!);
    const shown = await runCli(['inspect', engineFile, ...SIM]);
    expect(shown.stdout).toMatch(/dims\s+output\s+int64\s+\[2\]\s+linear\s+host/);
    expect(shown.stdout).toMatch(/y\s+output\s+float32\s+\[-1,4\]\s+linear\s+device/);
    const ran = await runCli(['run', engineFile, ...SIM, '--input', 'x=random', '--shapes', 'x:5x4', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(json(ran).outputs.find((o: { name: string }) => o.name === 'dims')).toMatchObject({ shape: [2], min: 4, max: 5 });
  });
});

describe('IO formats (--io-format)', () => {
  it('build lays the tensors out as asked, the sidecar and inspect say so, and run converts (checked against onnxruntime)', async () => {
    const file = path.join(dir, 'neg.onnx');
    writeFileSync(
      file,
      onnxModel({
        inputs: [valueInfo('x', 'float32', ['n', 3, 2, 2])],
        outputs: [valueInfo('y', 'float32', ['n', 3, 2, 2])],
        nodes: [node('Neg', ['x'], ['y'])],
      }),
    );
    const store = path.join(dir, 'io-format-engines');
    const bad = await runCli(['build', file, ...SIM, '--io-format', 'x:nchw', '--out', store]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected name:format with a format among linear, chw2, hwc8');
    const built = await runCli(['build', file, ...SIM, '--profile', 'x:1x3x2x2:2x3x2x2:4x3x2x2', '--io-format', 'x:chw32', '--io-format', 'y:hwc', '--out', store]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain('formats   x chw32, y hwc (others linear)');
    const engineFile = path.join(store, readdirSync(store).find((f) => f.endsWith('.engine'))!);
    const shown = await runCli(['inspect', engineFile, ...SIM]);
    expect(shown.stdout).toMatch(/x\s+input\s+float32\s+\[-1,3,2,2\]\s+chw32\s+device/);
    expect(shown.stdout).toMatch(/y\s+output\s+float32\s+\[-1,3,2,2\]\s+hwc\s+device/);
    const ran = await runCli(['run', engineFile, ...SIM, '--onnx', file, '--input', 'x=random', '--shapes', 'x:3x3x2x2', '--compare', 'cpu', '--json']);
    expect(ran.code, ran.stderr).toBe(0);
    expect(json(ran).compare).toMatchObject({ pass: true });
  });
});
