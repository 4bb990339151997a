// `tensorrt-node build <model.onnx> [--precision | --strongly-typed] [--profile name:min:opt:max …]
//   [--values name:min:opt:max …] [--shape-output name …] [--io-format name:format …] [--workspace MiB]
//   [--timing-cache file] [--calib-cache file] [--out dir] [--task] [--model] [--revision] [--backend] [--plugin lib] [--json]`:
// gets a verified engine for the model from the EngineStore in --out (default ./engines), building it when it is
// missing or unusable. All --profile and --values options form one optimization profile; --values gives a shape
// tensor input's (an int input whose values decide output shapes) range of values; --shape-output builds an int output
// whose values follow from shapes alone (a Shape of an input) as a shape tensor output; --io-format lays an input or
// output out other than row-major (trtexec's --inputIOFormats). Progress goes to stderr. Ctrl-C
// (SIGINT) cancels the build through its AbortSignal; the store then leaves no finished-looking file (exit 130).
//
// --json document:
//   { command: 'build', ok: true, path: string, sidecarPath: string,
//     built: boolean,                     // false: an engine that verified was reused
//     seconds: number,                    // wall time of this command's getOrBuild
//     quarantined: { files: string[], reason: string } | null,   // the engine there moved aside first (bad, or
//                                                                 // built with other options: then also a warning)
//     sidecar: <the store's Sidecar>,
//     warnings: string[] }                // the build's ("TensorRT: …" for TensorRT's own); also printed on stderr
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { IoFormat } from '../build.js';
import { TensorRTNodeError } from '../errors.js';
import type { Backend } from '../runtime.js';
import { EngineStore, PRECISIONS, sidecarPathOf } from '../store/index.js';
import type { Precision, Sidecar } from '../store/index.js';
import { backendOption, deviceOption, jsonOption, loadCliPlugins, openRuntime, pluginOption, readInputFile, requireFile } from './common.js';
import { CliError, EXIT, usageError } from './errors.js';
import { parseIoFormat, parseMebibytes, parseProfile, parseShapeOutput, parseValues } from './inputs.js';
import type { ProfileArg, ValuesArg } from './inputs.js';
import { profileFromArgs, shapeTensorUsage } from './model-shapes.js';
import { isPlan, readOnnxFile } from './model-files.js';
import { buildWarningText, respond, writeErr } from './output.js';
import type { Outcome } from './output.js';
import { buildProgress } from './progress.js';
import { renderSidecar } from './sidecar-text.js';

interface BuildCliOptions {
  plugin?: string[];
  precision: Precision;
  profile?: ProfileArg[];
  values?: ValuesArg[];
  shapeOutput?: string[];
  ioFormat?: Record<string, IoFormat>;
  workspace?: number;
  timingCache?: string;
  calibCache?: string;
  stronglyTyped?: boolean;
  out: string;
  task: string;
  model?: string;
  revision?: string;
  backend: Backend;
  device: number;
  json?: boolean;
}

export interface BuildReport {
  readonly path: string;
  readonly sidecarPath: string;
  readonly built: boolean;
  readonly seconds: number;
  readonly quarantined: { files: readonly string[]; reason: string } | null;
  readonly sidecar: Sidecar;
  /** What this build had to say (none when the engine was reused); also printed on stderr. */
  readonly warnings: readonly string[];
}

/** 'My Model v2.onnx' → 'My_Model_v2': the store's model names allow letters, digits, '_', '-' and '.'. */
export function modelNameOf(file: string): string {
  const stem = path.basename(file).replace(/\.onnx$/i, '');
  const name = stem.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.-]+/, '');
  return name === '' ? 'model' : name;
}

/** Cancels `controller` on the first SIGINT; a second one ends the process the default way. */
function cancelOnSigint(controller: AbortController): () => void {
  const onSigint = () => {
    writeErr('build: SIGINT received, cancelling the build…');
    controller.abort(new Error('SIGINT'));
  };
  process.once('SIGINT', onSigint);
  return () => process.removeListener('SIGINT', onSigint);
}

// The timing cache is written after the build: find an unusable path now, not after minutes of building.
async function requireTimingCachePath(file: string): Promise<void> {
  const folder = path.dirname(path.resolve(file));
  const st = await stat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') throw usageError(`the folder of --timing-cache ${file} does not exist; create it or choose another path`);
    throw usageError(`the folder of --timing-cache ${file} cannot be used: ${error.message}`);
  });
  if (!st.isDirectory()) throw usageError(`the folder of --timing-cache ${file} is not a folder: ${folder}`);
  if (existsSync(file)) await requireFile(file, 'timing cache');
}

async function build(file: string, o: BuildCliOptions): Promise<Outcome<BuildReport>> {
  const onnx = await readInputFile(file, 'ONNX model');
  if (o.timingCache !== undefined) await requireTimingCachePath(o.timingCache);
  if (o.stronglyTyped && o.precision !== 'fp32') {
    throw usageError(`--strongly-typed takes no --precision (got ${o.precision}): the model's own types decide`);
  }
  if (o.calibCache !== undefined) await requireFile(o.calibCache, 'calibration cache');
  if (isPlan(onnx)) throw usageError(`${file} is already a TensorRT engine; build takes the ONNX model (inspect or verify take engines)`);
  const { inputs: declared, ops } = readOnnxFile(file, onnx);
  // Q/DQ nodes say where int8 is used (explicit quantization); without them TensorRT needs calibration scales.
  const explicitlyQuantized = (ops.QuantizeLinear ?? 0) + (ops.DequantizeLinear ?? 0) > 0;
  if (o.precision === 'int8' && o.calibCache === undefined && !explicitlyQuantized) {
    throw usageError('--precision int8 needs --calib-cache <file>, a TensorRT calibration cache made for this model, or a model with Q/DQ (QuantizeLinear/DequantizeLinear) nodes');
  }
  const profile = profileFromArgs(declared, o.profile ?? [], o.values ?? []);
  const profiles = Object.keys(profile).length > 0 ? [profile] : [];

  using runtime = openRuntime(o.backend, o.device);
  const store = new EngineStore(o.out);
  const progress = buildProgress('build');
  const controller = new AbortController();
  const stopListening = cancelOnSigint(controller);
  const started = performance.now();
  const warnings: string[] = [];
  try {
    const result = await store.getOrBuild(onnx, {
      runtime,
      task: o.task,
      model: o.model ?? modelNameOf(file),
      revision: o.revision,
      precision: o.precision,
      stronglyTyped: o.stronglyTyped,
      calibrationCache: o.calibCache,
      timingCachePath: o.timingCache,
      profiles,
      shapeOutputs: o.shapeOutput,
      ioFormats: o.ioFormat,
      workspaceBytes: o.workspace === undefined ? undefined : Math.round(o.workspace * 2 ** 20),
      onProgress: progress.onProgress,
      onWarning: (message, from) => {
        warnings.push(buildWarningText(message, from));
        writeErr(`warning: ${warnings.at(-1)}`);
      },
      onWait: (holder) =>
        writeErr(`build: another process${holder ? ` (pid ${holder.pid} on ${holder.hostname})` : ''} is building this engine; waiting for it…`),
      signal: controller.signal,
    });
    const q = result.quarantined;
    return {
      ok: true,
      data: {
        path: result.path,
        sidecarPath: sidecarPathOf(result.path),
        built: result.built,
        seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        quarantined: q ? { files: q.files, reason: q.reason.reason } : null,
        sidecar: result.sidecar,
        warnings,
      },
    };
  } catch (error) {
    if (controller.signal.aborted && error instanceof TensorRTNodeError && error.code === 'ABORTED') {
      throw new CliError('ABORTED', `the build was cancelled by SIGINT; no engine was written to ${store.dir}`, EXIT.INTERRUPTED);
    }
    throw shapeTensorUsage(error) ?? error;
  } finally {
    progress.stop();
    stopListening();
  }
}

function render(r: BuildReport): string {
  const lines = [
    r.built ? `built   ${r.path} (${r.seconds} s)` : `reused  ${r.path} (already built and verified)`,
    `sidecar ${r.sidecarPath}`,
    renderSidecar(r.sidecar, '  ', { withWarnings: !r.built }), // a build has just printed its warnings
  ];
  if (r.quarantined) lines.push(`note: the engine there was moved aside first (${r.quarantined.reason}): ${r.quarantined.files.join(', ')}`);
  return lines.join('\n');
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build (or reuse) a verified engine for an ONNX model in an engine store folder')
    .argument('<model.onnx>', 'the ONNX model')
    .addOption(new Option('--precision <precision>', 'precision TensorRT may use').choices(PRECISIONS).default('fp32'))
    .option('--profile <name:min:opt:max>', 'shape range of a dynamic input, dims as 1x16 (repeat per input), e.g. x:1x16:8x16:64x16', parseProfile)
    .option('--values <name:min:opt:max>', 'value range of a shape tensor input (an int input whose values decide output shapes), values joined by \',\' (repeat per input), e.g. target:-1,1:2,4:32,32', parseValues)
    .option('--shape-output <name>', 'build this int output, whose values follow from input shapes alone (a Shape of an input), as a shape tensor output that TensorRT writes on the host (repeat per output)', parseShapeOutput)
    .option('--io-format <name:format>', 'memory layout of an input or output other than row-major, e.g. x:chw32 (repeat per tensor; runs convert)', parseIoFormat)
    .option('--workspace <MiB>', 'builder workspace limit in MiB', parseMebibytes('--workspace'))
    .option('--timing-cache <file>', 'timing cache file: read if present, rewritten after the build')
    .option('--calib-cache <file>', 'int8 calibration cache file')
    .option('--strongly-typed', "the model's own types decide precision (fp16 weights, Q/DQ nodes for int8 or FP8); TensorRT 11's only mode")
    .option('--out <dir>', 'engine store folder', './engines')
    .option('--task <name>', "what the engine is for; the first part of the engine's name", 'default')
    .option('--model <name>', "model name in the engine's name (default: the ONNX file's name)")
    .option('--revision <rev>', 'model revision in the engine name (default: the first 12 hex digits of the ONNX SHA-256)')
    .addOption(backendOption())
    .addOption(deviceOption())
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (file: string, options: BuildCliOptions) => {
      await respond('build', options, async () => (await loadCliPlugins(options.backend, options.plugin), build(file, options)), render);
    });
}
