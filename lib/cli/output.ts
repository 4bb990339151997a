// Output: one JSON document on stdout with --json, human text otherwise; diagnostics always go to stderr so that
// stdout stays parseable. Every JSON document has `command` and `ok`. When a command fails with an error (rather
// than with a failed check, which keeps its own document), the document is
//   { command, ok: false, error: { code, message, details: string[], expected?, actual?, hint? } }
// with `code` a library error code (LIBRARY_NOT_FOUND, BUILD_FAILED, …) or one of the CLI's (USAGE, NOT_ONNX,
// ORT_NOT_INSTALLED, COMPARE_FAILED, ABORTED, INTERNAL). Errors commander finds while parsing the command line
// (unknown option, missing argument) happen before any command runs and are printed on stderr only.
import type { WarningSource } from '../build.js';
import { EXIT, formatError, jsonError, reportOf } from './errors.js';

export interface Outcome<T> {
  /** False when the checked thing failed (exit 1). */
  readonly ok: boolean;
  readonly data: T;
}

export interface OutputOptions {
  readonly json?: boolean;
}

/** JSON text with bigints as numbers when exact, else strings, and non-finite numbers as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      return v;
    },
    2,
  );
}

export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

// Set once stderr's reader has gone away: diagnostics are then dropped, and the command carries on.
let stderrGone = false;

export function writeErr(text: string): void {
  if (stderrGone) return;
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A build's warning as the CLI shows it: TensorRT's own words say whose they are. */
export function buildWarningText(message: string, from: WarningSource): string {
  return from === 'tensorrt' ? `TensorRT: ${message}` : message;
}

/** Stops writing to stderr (its reader closed the pipe). */
export function dropStderr(): void {
  stderrGone = true;
}

/**
 * Runs a command body and reports its outcome: the JSON document or the rendered text on stdout, exit code 0 or 1
 * from `ok`; a thrown error becomes `error [CODE]` on stderr (and `{ok: false, error}` with --json) with its exit
 * code. process.exitCode is set rather than calling exit(), so buffered output is flushed.
 */
export async function respond<T extends object>(
  command: string,
  options: OutputOptions,
  body: () => Promise<Outcome<T>>,
  render: (data: T) => string,
): Promise<void> {
  try {
    const { ok, data } = await body();
    if (options.json) writeOut(toJson({ command, ok, ...data }));
    else writeOut(render(data));
    process.exitCode = ok ? EXIT.OK : EXIT.FAILED;
  } catch (error) {
    const report = reportOf(error);
    writeErr(formatError(report));
    if (options.json) writeOut(toJson({ command, ok: false, error: jsonError(report) }));
    process.exitCode = report.exitCode;
  }
}

/** A plain text table: columns padded to their widest cell, the last column unpadded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatDims(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

/** A number for humans: integers as they are, others with 6 significant digits. */
export function formatNumber(value: number | bigint): string {
  if (typeof value === 'bigint' || Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(6)).toString();
}
