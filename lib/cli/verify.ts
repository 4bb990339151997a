// `tensorrt-node verify <file.engine> [--onnx model.onnx] [--load] [--backend] [--plugin lib] [--json]`: the
// EngineStore's checks of an engine against this machine's runtime, without deserializing it: its sidecar, size and
// SHA-256 (ENGINE_CORRUPT), then TensorRT version, compute capability and backend (ENGINE_INCOMPATIBLE), with --onnx
// the model it was built from, and last the TensorRT plugins its sidecar lists (LIBRARY_NOT_FOUND when no library
// loaded here, standard or --plugin, provides one). --load then deserializes it, as a service would: the check of
// what a sidecar cannot vouch for (plugins of an engine whose sidecar predates their record, a plan TensorRT
// itself refuses), at the cost of a load (on a GPU: its weights in device memory, for a moment). Exit 0 when it
// would load here, 1 with the reason when not; 2 for a file that is no engine at all (no "ftrt" tag and no sidecar,
// e.g. an ONNX model).
//
// --json document:
//   { command: 'verify', ok: boolean, path: string, backend: 'tensorrt' | 'simulator',
//     loaded: boolean,                                            // --load deserialized it
//     sidecar: <the store's Sidecar> | null,                      // null when verification failed
//     error: { code: 'ENGINE_CORRUPT' | 'ENGINE_INCOMPATIBLE' | 'LIBRARY_NOT_FOUND', message, details, expected?, actual?,
//              hint?, plugin?: { name, version, namespace } } | null,     // plugin: with LIBRARY_NOT_FOUND
//     fix: string | null }                                       // what to run when it failed
import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { TensorRTNodeError } from '../errors.js';
import type { Backend } from '../runtime.js';
import { isMissingPluginError, sidecarPathOf, verifyEngine } from '../store/index.js';
import { parseEngineName } from '../store/naming.js';
import type { Sidecar } from '../store/index.js';
import { backendOption, deviceOption, fileUsageError, jsonOption, loadCliPlugins, openRuntime, pluginOption, requireFile } from './common.js';
import { jsonError, reportOf, usageError } from './errors.js';
import { fileIsPlan } from './model-files.js';
import { respond } from './output.js';
import type { Outcome } from './output.js';
import { renderSidecar } from './sidecar-text.js';

export interface VerifyReport {
  readonly path: string;
  readonly backend: Backend;
  readonly loaded: boolean;
  readonly sidecar: Sidecar | null;
  readonly error: ReturnType<typeof jsonError> | null;
  readonly fix: string | null;
}

/** The CLI form of the store's remedy: `build` quarantines the bad engine and builds a new one, when the engine has
 * a store's name; any other file `build` would not replace. */
function fixFor(enginePath: string): string {
  const rebuild = `tensorrt-node build <model.onnx> --out ${path.dirname(enginePath)}`;
  if (parseEngineName(path.basename(enginePath)) === undefined) {
    return `build a new engine from its model (\`${rebuild}\`); this file is not named as the store names engines, so the build writes another file, and this one is yours to remove`;
  }
  return `rebuild it with \`${rebuild}\` (with the same --task, --model and --profile), which moves this engine to quarantine/ first`;
}

const VERDICTS = new Set(['ENGINE_CORRUPT', 'ENGINE_INCOMPATIBLE']);

// A verdict about the engine: damaged, incompatible, or sound but using a plugin no loaded library provides (the
// verdict's fix is then the hint's --plugin, not a rebuild).
function isVerdict(error: unknown): error is TensorRTNodeError {
  return (error instanceof TensorRTNodeError && VERDICTS.has(error.code)) || isMissingPluginError(error);
}

interface VerifyCliOptions {
  onnx?: string;
  load?: boolean;
  backend: Backend;
  device: number;
  plugin?: string[];
  json?: boolean;
}

async function verify(file: string, options: VerifyCliOptions): Promise<Outcome<VerifyReport>> {
  await requireFile(file, 'engine file');
  if (options.onnx !== undefined) await requireFile(options.onnx, 'ONNX model');
  // A symlink's engine is the file it names, with the sidecar beside that file.
  const enginePath = await realpath(file);
  // With a sidecar it is a damaged engine, which the store's checks describe; without one, something else entirely.
  const plan = await fileIsPlan(enginePath).catch((error: unknown) => {
    throw fileUsageError(file, 'engine file', 'read', error);
  });
  if (!plan && !existsSync(sidecarPathOf(enginePath))) {
    throw usageError(`${file} is not a TensorRT engine (it does not start with the "ftrt" tag); verify takes an engine file (inspect and run take ONNX models too)`);
  }
  using runtime = openRuntime(options.backend, options.device);
  try {
    const sidecar = await verifyEngine(enginePath, { runtime, onnx: options.onnx });
    if (options.load) {
      using _engine = await runtime.deserialize(await readFile(enginePath));
    }
    return { ok: true, data: { path: enginePath, backend: options.backend, loaded: options.load === true, sidecar, error: null, fix: null } };
  } catch (error) {
    // Only a verdict about the engine is a result; anything else (I/O, the runtime) is an error of the command.
    if (!isVerdict(error)) throw error;
    const report = reportOf(error);
    const fix = error.plugin ? report.hint ?? null : fixFor(enginePath);
    return { ok: false, data: { path: enginePath, backend: options.backend, loaded: false, sidecar: null, error: jsonError(report), fix } };
  }
}

function render(r: VerifyReport): string {
  if (r.sidecar) {
    const verdict = r.loaded ? `ok      ${r.path} was loaded by this '${r.backend}' runtime` : `ok      ${r.path} can be loaded by this '${r.backend}' runtime`;
    return [verdict, renderSidecar(r.sidecar, '  ')].join('\n');
  }
  const e = r.error!;
  const lines = [`FAILED  ${r.path}`, `  [${e.code}] ${e.message}`];
  if (e.expected !== undefined || e.actual !== undefined) lines.push(`  expected: ${e.expected ?? '-'}`, `  actual:   ${e.actual ?? '-'}`);
  for (const d of e.details) lines.push(`  - ${d}`);
  if (r.fix) lines.push(`  fix: ${r.fix}`);
  return lines.join('\n');
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description("check that an engine file is intact and can be loaded by this machine's runtime")
    .argument('<file.engine>', 'an engine with its JSON sidecar next to it')
    .option('--onnx <model.onnx>', 'also check that the engine was built from this ONNX model')
    .option('--load', 'then deserialize it: also catches what its sidecar cannot tell (plugins of an older sidecar, a plan TensorRT refuses)')
    .addOption(backendOption())
    .addOption(deviceOption())
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (file: string, options: VerifyCliOptions) => {
      await respond('verify', options, async () => (await loadCliPlugins(options.backend, options.plugin), verify(file, options)), render);
    });
}
