// The CLI's failures and exit codes. Expected failures (typed library errors, bad arguments, failed checks) are
// reported as `error [CODE]: message` plus their details, never with a stack trace.
import { TensorRTNodeError } from '../errors.js';
import type { PluginRef } from '../errors.js';
import { pluginText } from '../plugins.js';

export const EXIT = {
  OK: 0,
  /** The thing checked failed: doctor says TensorRT cannot run, verify found a bad engine, compare failed, … */
  FAILED: 1,
  /** Bad arguments: unknown option, missing file, malformed value. */
  USAGE: 2,
  /** Interrupted by SIGINT (128 + 2, as shells report it). */
  INTERRUPTED: 130,
} as const;

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A bad command line: exit 2. */
export function usageError(message: string, details: readonly string[] = []): CliError {
  return new CliError('USAGE', message, EXIT.USAGE, details);
}

/** What the user asked could not be done or did not pass: exit 1. */
export function failure(code: string, message: string, details: readonly string[] = []): CliError {
  return new CliError(code, message, EXIT.FAILED, details);
}

export interface ErrorReport {
  readonly code: string;
  readonly message: string;
  readonly details: readonly string[];
  /** Set for INVALID_INPUT and version mismatches: what was expected and what was found. */
  readonly expected?: string;
  readonly actual?: string;
  /** What to do next, in CLI terms, for library errors whose own message speaks API. */
  readonly hint?: string;
  /** The TensorRT plugin no loaded library provides (LIBRARY_NOT_FOUND of an engine or model that uses it). */
  readonly plugin?: PluginRef;
  readonly exitCode: number;
  /** Only for errors nobody anticipated (bugs): shown so they can be reported. */
  readonly stack?: string;
}

// Library errors that mean "the command line asked for something impossible" rather than "the check failed".
const USAGE_CODES = new Set(['INVALID_ARGUMENT', 'INVALID_INPUT']);

const DOCTOR = '`tensorrt-node doctor` checks this machine and says how to fix what is missing (--backend simulator needs no GPU)';
const HINTS: Partial<Record<string, string>> = {
  LIBRARY_NOT_FOUND: DOCTOR,
  LIBRARY_VERSION: DOCTOR,
  ADDON_NOT_BUILT: DOCTOR,
  CUDA_UNAVAILABLE: DOCTOR,
  ENGINE_CORRUPT: 'rebuild the engine: `tensorrt-node build <model.onnx> --out <dir>`',
  ENGINE_INCOMPATIBLE: 'engines only load with the TensorRT version and GPU that built them: rebuild it here with `tensorrt-node build <model.onnx>`',
  BUILD_FAILED: '`tensorrt-node inspect <model.onnx>` lists the model\'s ops and inputs',
  OUT_OF_MEMORY: 'free GPU memory, or lower --workspace or the largest shapes of the profile',
};

// A version-compatible engine refused for its host code is not a rebuild case: the runtime only has to allow it.
const HOST_CODE_HINT = 'the engine is version-compatible: --allow-engine-host-code loads it (only for engines you trust)';

// A missing plugin is not a machine problem doctor could fix: the command has to load the library that provides it.
const PLUGIN_HINT = (what: string) =>
  `load the plugin library that provides ${what} with --plugin <library> (\`tensorrt-node doctor --plugin <library>\` checks it)`;

function hintFor(error: TensorRTNodeError): string | undefined {
  if (error.code === 'ENGINE_INCOMPATIBLE' && error.details.some((d) => d.includes('allowEngineHostCode'))) return HOST_CODE_HINT;
  if (error.plugin) {
    const built = error.plugin.library ? `; where the engine was built it was ${error.plugin.library}` : '';
    return PLUGIN_HINT(`the plugin ${pluginText(error.plugin)}`) + built;
  }
  if (error.code === 'BUILD_FAILED' && /Plugin not found|plugin was not found/.test(error.message)) return PLUGIN_HINT('it');
  return HINTS[error.code];
}

export function reportOf(error: unknown): ErrorReport {
  if (error instanceof CliError) return { code: error.code, message: error.message, details: error.details, exitCode: error.exitCode };
  if (error instanceof TensorRTNodeError) {
    const exitCode = error.code === 'ABORTED' ? EXIT.INTERRUPTED : USAGE_CODES.has(error.code) ? EXIT.USAGE : EXIT.FAILED;
    // Native messages often already quote their details; repeating them adds nothing.
    const details = [...new Set([...error.details, ...error.trtMessages, ...error.trtLog])].filter((d) => !error.message.includes(d));
    return { code: error.code, message: error.message, details, expected: error.expected, actual: error.actual, hint: hintFor(error), plugin: error.plugin, exitCode };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { code: 'INTERNAL', message: e.message, details: [], exitCode: EXIT.FAILED, stack: e.stack };
}

/** The human form, for stderr. */
export function formatError(report: ErrorReport): string {
  const lines = [`error [${report.code}]: ${report.message}`];
  if (report.expected !== undefined || report.actual !== undefined) lines.push(`  expected: ${report.expected ?? '-'}`, `  actual:   ${report.actual ?? '-'}`);
  for (const d of report.details) lines.push(`  - ${d}`);
  if (report.hint) lines.push(`  hint: ${report.hint}`);
  if (report.stack) lines.push('', 'This is unexpected; please report it with this stack:', report.stack);
  return lines.join('\n');
}

/** The JSON form, for `--json` documents. */
export function jsonError(report: ErrorReport): Omit<ErrorReport, 'exitCode' | 'stack'> {
  return { code: report.code, message: report.message, details: report.details, expected: report.expected, actual: report.actual, hint: report.hint, plugin: report.plugin };
}
