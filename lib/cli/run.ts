// `tensorrt-node run <model.onnx|file.engine> [--input name=file.json|file.npy|random …] [--shapes name:1x16 …]
//   [--compare cpu [--onnx model.onnx]] [--atol 1e-5] [--rtol 1e-4] [--seed 0] [--no-warm-up] [--backend] [--plugin lib] [--json]`:
// one inference, with a summary of every output. The context is warmed up first (ContextOptions.warmUp: on a GPU the
// first run loads every kernel's code), so the latency is a warm one; --no-warm-up measures the cold first run. An ONNX model is first built into a temporary fp32 engine (kept
// in memory) whose profile admits exactly the run's shapes. Shapes come from the input's file when it carries one,
// else --shapes, else the declared fixed dims (else, for an engine, its first profile's opt shape).
// --compare cpu runs the same inputs through onnxruntime-node on the CPU (an engine needs --onnx to name its model)
// and checks every output with numpy.allclose's rule |engine - cpu| <= atol + rtol * |cpu|; exit 1 when one fails.
// Random inputs: floats uniform in [-1, 1), integers in [0, 10), bools 0/1, seeded by --seed and the input name.
//
// --json document:
//   { command: 'run', ok: boolean, file: string, kind: 'onnx' | 'engine', backend,
//     buildSeconds: number | null,          // ONNX: building the temporary engine
//     warmUp: boolean,                      // false with --no-warm-up: the run below is the context's first
//     contextMs: number,                    // creating the context, with its warm-up run when warmUp
//     latencyMs: number,                    // the one context.run(), inputs and outputs copied
//     enqueueMs: number,                    // of it, the host time of enqueueV3 (trtexec's "Enqueue Time"; on a
//                                           // GPU, one launch per kernel of the network)
//     enqueueOn: 'caller' | 'launcher',     // the thread that spent it (the launcher for data-dependent shapes)
//     inputs: [{ name, dtype, shape, shapeFrom: 'file' | 'shapes' | 'model' | 'profile', source: 'random' | <path> }],
//     outputs: [{ name, dtype, shape, first: Element[] /* ≤ 8 */, min, max, mean /* null if empty */, nan }],
//     compare: null | { reference: 'onnxruntime-node', version: string | null, executionProvider: 'cpu',
//                       onnx: string, atol, rtol, pass: boolean,
//                       outputs: [{ name, pass, elements, mismatches, maxAbsError, maxRelError: number | null,
//                                   worst: { index, coords, actual, expected, absError, relError } | null,
//                                   error?: string }] },
//     warnings: string[] }              // also printed on stderr
//   Element: a number; int64 values beyond 2^53 are strings. Non-finite numbers are null.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { buildEngine } from '../build.js';
import type { Engine } from '../engine.js';
import type { BuildProfile, ShapeValuesRange } from '../engine-spec.js';
import { describeOnnx } from '../onnx-network.js';
import type { Backend } from '../runtime.js';
import { Tensor } from '../tensor.js';
import { backendOption, deviceOption, hostCodeOption, jsonOption, loadCliPlugins, openRuntime, pluginOption, readInputFile, requireFile } from './common.js';
import { compareOutput } from './compare.js';
import type { OutputComparison, Tolerance } from './compare.js';
import { failure, usageError } from './errors.js';
import { describeSource, loadInputs, makeTensor } from './feeds.js';
import type { LoadedInput } from './feeds.js';
import { parseInput, parseInteger, parseNonNegative, parseShape } from './inputs.js';
import type { InputArg, ShapeArg } from './inputs.js';
import { isPlan, readOnnxFile, sidecarNextTo } from './model-files.js';
import { exactProfile, shapesForRun } from './model-shapes.js';
import type { DeclaredInput, RunShape } from './model-shapes.js';
import type { OnnxInfo } from './onnx-info.js';
import { loadOrt, ORT_INSTALL } from './ort.js';
import type { OrtModule, OrtTensor } from './ort.js';
import { buildWarningText, formatDims, formatNumber, respond, table, writeErr } from './output.js';
import type { Outcome } from './output.js';
import { buildProgress } from './progress.js';
import { summarize } from './summary.js';
import type { OutputSummary } from './summary.js';
import { valuesOf } from './values.js';
import type { Values } from './values.js';

interface RunCliOptions {
  plugin?: string[];
  input?: InputArg[];
  shapes?: ShapeArg[];
  compare?: 'cpu';
  onnx?: string;
  atol: number;
  rtol: number;
  seed: number;
  backend: Backend;
  device: number;
  allowEngineHostCode?: boolean;
  json?: boolean;
  warmUp: boolean; // commander's --no-warm-up
}

export interface CompareReport {
  readonly reference: 'onnxruntime-node';
  readonly version: string | null;
  readonly executionProvider: 'cpu';
  readonly onnx: string;
  readonly atol: number;
  readonly rtol: number;
  readonly pass: boolean;
  readonly outputs: readonly OutputComparison[];
}

export interface RunReport {
  readonly file: string;
  readonly kind: 'onnx' | 'engine';
  readonly backend: Backend;
  readonly buildSeconds: number | null;
  readonly latencyMs: number;
  readonly enqueueMs: number;
  readonly enqueueOn: 'caller' | 'launcher';
  readonly warmUp: boolean;
  readonly contextMs: number;
  readonly inputs: readonly { name: string; dtype: string; shape: readonly number[]; shapeFrom: RunShape['from']; source: string }[];
  readonly outputs: readonly OutputSummary[];
  readonly compare: CompareReport | null;
  readonly warnings: readonly string[];
}

async function requireOrt(): Promise<{ ort: OrtModule; version: string | null }> {
  const load = await loadOrt();
  if (load.installed) return load;
  if (load.missing) throw failure('ORT_NOT_INSTALLED', `--compare cpu needs onnxruntime-node, which is not installed. Install it next to tensorrt-node: ${ORT_INSTALL}`);
  throw failure('ORT_UNAVAILABLE', `--compare cpu needs onnxruntime-node, which is installed but does not load: ${load.message}. Reinstall it: ${ORT_INSTALL}`);
}

/** The same inputs through onnxruntime-node's CPU provider. */
async function runReference(ort: OrtModule, onnx: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, OrtTensor>> {
  const ortFeeds: Record<string, OrtTensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    if (t.dtype === 'bfloat16') throw failure('COMPARE_UNSUPPORTED', `input '${name}' is bfloat16, which onnxruntime-node cannot take from JavaScript; --compare cannot run this model`);
    ortFeeds[name] = new ort.Tensor(t.dtype, t.data, t.dims);
  }
  let session;
  try {
    session = await ort.InferenceSession.create(onnx, { executionProviders: ['cpu'] });
  } catch (error) {
    throw failure('COMPARE_FAILED', `onnxruntime-node could not load the ONNX model: ${(error as Error).message}`);
  }
  try {
    return await session.run(ortFeeds);
  } catch (error) {
    throw failure('COMPARE_FAILED', `onnxruntime-node could not run the model on these inputs: ${(error as Error).message}`);
  } finally {
    await session.release?.();
  }
}

function ortValues(t: OrtTensor): Values | undefined {
  if (t.type === 'string') return undefined;
  return valuesOf(t.type, t.dims, t.data as ArrayLike<number>);
}

interface PreparedModel {
  readonly plan: Uint8Array;
  readonly buildSeconds: number | null;
  readonly shapes?: Map<string, RunShape>;
}

/** An ONNX model becomes a temporary fp32 engine whose profile admits exactly the run's shapes (known first), and
 * exactly the values of its shape tensor inputs, which the parser tells (describeOnnx) before the build. */
async function preparePlan(bytes: Uint8Array, onnxInfo: OnnxInfo | undefined, loaded: ReadonlyMap<string, LoadedInput>, o: RunCliOptions, warnings: string[]): Promise<PreparedModel> {
  if (!onnxInfo) return { plan: bytes, buildSeconds: null };
  const declared: DeclaredInput[] = onnxInfo.inputs.map((i) => ({ name: i.name, dims: i.dims }));
  const shapes = shapesForRun(declared, o.shapes ?? [], loaded);
  const profile: BuildProfile = exactProfile(declared, shapes);
  for (const input of (await describeOnnx(bytes, { backend: o.backend })).inputs) {
    if (!input.shapeTensor) continue;
    const values = loaded.get(input.name)?.values;
    if (!values) {
      throw usageError(`input '${input.name}' is a shape tensor (its values decide output shapes), so the engine is built for its values: give them in a file (--input ${input.name}=values.json), not random`);
    }
    const exact = values.map(Number);
    (profile as Record<string, ShapeValuesRange>)[input.name] = { values: { min: exact, opt: exact, max: exact } };
  }
  const progress = buildProgress('build');
  const started = performance.now();
  try {
    // Built on the device it will run on: a plan loads only on a GPU of the compute capability it was built for.
    const plan = await buildEngine(bytes, {
      backend: o.backend,
      device: o.device,
      precision: 'fp32',
      profiles: Object.keys(profile).length ? [profile] : [],
      onProgress: progress.onProgress,
      onWarning: (message, from) => warnings.push(buildWarningText(message, from)),
    });
    return { plan, buildSeconds: Number(((performance.now() - started) / 1000).toFixed(3)), shapes };
  } finally {
    progress.stop();
  }
}

/** An engine's shapes come from the inputs, --shapes, or its first profile's opt; its sidecar names its model. */
async function engineShapes(file: string, engine: Engine, loaded: ReadonlyMap<string, LoadedInput>, o: RunCliOptions, warnings: string[]): Promise<Map<string, RunShape>> {
  const declared: DeclaredInput[] = engine.inputs.map((t) => ({ name: t.name, dims: t.shape.map((d) => (d < 0 ? null : d)) }));
  const shapes = shapesForRun(declared, o.shapes ?? [], loaded, (name) => engine.profiles[0]?.[name]?.opt);
  if (o.onnx !== undefined) {
    const onnx = await readInputFile(o.onnx, 'ONNX model');
    if (o.compare) checkSameInputs(engine, readOnnxFile(o.onnx, onnx).inputs.map((i) => i.name), o.onnx);
    const { sidecar } = await sidecarNextTo(file);
    const given = createHash('sha256').update(onnx).digest('hex');
    if (sidecar && given !== sidecar.onnx_sha256) {
      warnings.push(`the engine's sidecar says it was built from ONNX sha256 ${sidecar.onnx_sha256.slice(0, 12)}…, but --onnx ${o.onnx} is ${given.slice(0, 12)}…; the comparison is against another model`);
    }
  }
  return shapes;
}

async function compareWithCpu(
  reference: { ort: OrtModule; version: string | null },
  onnxPath: string,
  engine: Engine,
  feeds: Record<string, Tensor>,
  actual: ReadonlyMap<string, Values>,
  tol: Tolerance,
): Promise<CompareReport> {
  const expected = await runReference(reference.ort, await readInputFile(onnxPath, 'ONNX model'), feeds);
  const outputs = engine.outputs.map((spec) => {
    const ref = expected[spec.name];
    return compareOutput(spec.name, actual.get(spec.name), ref ? ortValues(ref) : undefined, tol);
  });
  for (const t of Object.values(expected)) t.dispose?.();
  return {
    reference: 'onnxruntime-node',
    version: reference.version,
    executionProvider: 'cpu',
    onnx: path.resolve(onnxPath),
    ...tol,
    pass: outputs.every((c) => c.pass),
    outputs,
  };
}

async function run(file: string, o: RunCliOptions): Promise<Outcome<RunReport>> {
  const bytes = await readInputFile(file, 'model');
  const kind: RunReport['kind'] = isPlan(bytes) ? 'engine' : 'onnx';
  const onnxInfo = kind === 'onnx' ? readOnnxFile(file, bytes) : undefined;
  if (o.onnx !== undefined && kind === 'onnx') throw usageError(`--onnx is for engines (to name the model they were built from); ${file} is already an ONNX model`);
  if (o.compare && kind === 'engine' && o.onnx === undefined) {
    throw usageError(`--compare cpu needs the ONNX model the engine was built from: an engine does not carry it. Add --onnx <model.onnx>`);
  }
  if (o.onnx !== undefined) await requireFile(o.onnx, 'ONNX model');
  const reference = o.compare ? await requireOrt() : undefined; // before any work: say early that it cannot compare
  const loaded = await loadInputs(o.input ?? []);
  const warnings: string[] = [];

  using runtime = openRuntime(o.backend, o.device, o.allowEngineHostCode);
  const prepared = await preparePlan(bytes, onnxInfo, loaded, o, warnings);
  using engine = await runtime.deserialize(prepared.plan);
  const shapes = prepared.shapes ?? (await engineShapes(file, engine, loaded, o, warnings));
  const feeds: Record<string, Tensor> = {};
  for (const spec of engine.inputs) feeds[spec.name] = makeTensor(spec.name, spec.dtype, shapes.get(spec.name)!.dims, loaded.get(spec.name)!, o.seed);

  const creating = performance.now();
  using context = await engine.createContextAsync({ warmUp: o.warmUp });
  const contextMs = Number((performance.now() - creating).toFixed(3));
  const started = performance.now();
  const results = await context.run(feeds);
  const latencyMs = Number((performance.now() - started).toFixed(3));
  const enqueueMs = Number((context.enqueueTime.totalMicros / 1000).toFixed(3));
  const actual = new Map<string, Values>();
  for (const spec of engine.outputs) {
    const t = results[spec.name] as Tensor;
    actual.set(spec.name, valuesOf(t.dtype, t.dims, t.data as ArrayLike<number>));
  }
  const compare = reference ? await compareWithCpu(reference, o.onnx ?? file, engine, feeds, actual, { atol: o.atol, rtol: o.rtol }) : null;
  for (const w of warnings) writeErr(`warning: ${w}`);
  return {
    ok: compare?.pass ?? true,
    data: {
      file: path.resolve(file),
      kind,
      backend: o.backend,
      buildSeconds: prepared.buildSeconds,
      latencyMs,
      enqueueMs,
      enqueueOn: context.enqueueOn,
      warmUp: o.warmUp,
      contextMs,
      inputs: engine.inputs.map((spec) => ({
        name: spec.name,
        dtype: spec.dtype,
        shape: feeds[spec.name]!.dims,
        shapeFrom: shapes.get(spec.name)!.from,
        source: describeSource(loaded.get(spec.name)!.source),
      })),
      outputs: [...actual].map(([name, values]) => summarize(name, values)),
      compare,
      warnings,
    },
  };
}

/** --onnx must describe the engine's inputs, or onnxruntime would fail with a less helpful message. */
function checkSameInputs(engine: Engine, onnxInputs: readonly string[], onnxPath: string): void {
  const want = engine.inputs.map((t) => t.name).sort();
  const have = [...onnxInputs].sort();
  if (want.join('\n') !== have.join('\n')) {
    throw usageError(`--onnx ${onnxPath} has inputs [${have.join(', ')}] but the engine has [${want.join(', ')}]; pass the model the engine was built from`);
  }
}

function worstText(c: OutputComparison): string {
  if (c.error) return c.error;
  const w = c.worst;
  if (!w) return '-';
  return `[${w.coords.join(',')}] (index ${w.index}): engine ${formatNumber(w.actual)} vs cpu ${formatNumber(w.expected)}`;
}

function render(r: RunReport): string {
  const how = r.kind === 'onnx' ? `onnx, built into a temporary fp32 engine in ${r.buildSeconds} s` : 'engine';
  const lines = [
    `model    ${r.file} (${how}; backend ${r.backend})`,
    `inputs   ${r.inputs.map((i) => `${i.name} ${i.dtype} ${formatDims(i.shape)}${i.shapeFrom === 'profile' ? " (the profile's opt shape)" : ''} from ${i.source}`).join('; ')}`,
    `context  ${r.contextMs} ms to create${r.warmUp ? ', with a warm-up run' : ' (no warm-up: the inference below is its cold first run)'}`,
    `latency  ${r.latencyMs} ms (one inference; enqueueV3 took ${r.enqueueMs} ms of it on the ${r.enqueueOn === 'caller' ? 'calling thread' : "context's launcher thread"})`,
    '',
    table(
      ['OUTPUT', 'DTYPE', 'SHAPE', 'MIN', 'MAX', 'MEAN', 'FIRST VALUES'],
      r.outputs.map((o) => [
        o.name,
        o.dtype,
        formatDims(o.shape),
        o.min === null ? '-' : formatNumber(o.min),
        o.max === null ? '-' : formatNumber(o.max),
        o.mean === null ? '-' : formatNumber(o.mean),
        o.first.map(formatNumber).join(', ') + (o.shape.reduce((a, b) => a * b, 1) > o.first.length ? ', …' : ''),
      ]),
    ),
  ];
  const c = r.compare;
  if (c) {
    lines.push(
      '',
      `compare with onnxruntime-node ${c.version ?? ''} (cpu) on ${c.onnx}, atol ${c.atol} rtol ${c.rtol}: ${c.pass ? 'PASS' : 'FAIL'}`,
      table(
        ['OUTPUT', 'RESULT', 'MAX ABS ERR', 'MAX REL ERR', 'MISMATCHES', 'WORST ELEMENT'],
        c.outputs.map((o) => [
          o.name,
          o.pass ? 'pass' : 'FAIL',
          o.error ? '-' : o.maxAbsError.toExponential(2),
          o.maxRelError === null ? '-' : o.maxRelError.toExponential(2),
          o.error ? '-' : `${o.mismatches}/${o.elements}`,
          worstText(o),
        ]),
      ),
    );
    for (const o of c.outputs.filter((x) => !x.pass)) {
      lines.push(
        o.error
          ? `FAIL ${o.name}: ${o.error}`
          : `FAIL ${o.name}: ${o.mismatches} of ${o.elements} elements outside atol ${c.atol} + rtol ${c.rtol} × |cpu|; worst element ${worstText(o)}, abs error ${formatNumber(o.worst!.absError)}`,
      );
    }
  }
  return lines.join('\n');
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run one inference on an ONNX model or an engine, optionally checked against onnxruntime-node on the CPU')
    .argument('<model>', 'an ONNX model (built into a temporary engine first) or an engine file')
    .option('--input <name=source>', 'an input from file.json, file.npy or random (repeat per input)', parseInput)
    .option('--shapes <name:dims>', 'the shape of an input, dims as 2x16 (repeat per input)', parseShape)
    .addOption(new Option('--compare <reference>', 'check the outputs against onnxruntime-node').choices(['cpu']))
    .option('--onnx <model.onnx>', 'for an engine: the ONNX model it was built from (needed by --compare)')
    .option('--atol <number>', 'absolute tolerance of --compare', parseNonNegative('--atol'), 1e-5)
    .option('--rtol <number>', 'relative tolerance of --compare', parseNonNegative('--rtol'), 1e-4)
    .option('--seed <n>', 'seed of random inputs', parseInteger('--seed'), 0)
    .option('--no-warm-up', 'time the cold first run: skip the warm-up run (on a GPU the first run loads every kernel)')
    .addOption(backendOption())
    .addOption(deviceOption())
    .addOption(hostCodeOption())
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (file: string, options: RunCliOptions) => {
      await respond('run', options, async () => (await loadCliPlugins(options.backend, options.plugin), run(file, options)), render);
    });
}
