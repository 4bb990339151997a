// Engine file names: `<task>.<model>-<revision>-trt<version>-<precision>-sm<cc>.engine`. Everything that decides
// whether a plan can be loaded here is in the name, so two incompatible engines never share a file.
import path from 'node:path';
import { showValue } from '../dtypes.js';
import { makeError, requireOptionsObject } from '../errors.js';

import { PRECISIONS } from '../build.js';
import type { Precision } from '../build.js';

export { PRECISIONS };
export type { Precision };

export interface EngineNameParts {
  /** What the engine is for, e.g. 'embed'. Letters, digits and '_' (no '.', which ends the task). */
  readonly task: string;
  /** e.g. 'minilm' or 'all-MiniLM-L6-v2'. Letters, digits, '_', '-' and '.', not starting with '.' or '-'. */
  readonly model: string;
  /** e.g. a git sha or the ONNX hash prefix. Letters, digits and '_' (no '-', which ends the model). */
  readonly revision: string;
  /** TensorRT's version, 'major.minor.patch'. */
  readonly trtVersion: string;
  readonly precision: Precision;
  /** Compute capability as 'major.minor', e.g. '8.9'. */
  readonly computeCapability: string;
}

export const ENGINE_EXT = '.engine';
export const SIDECAR_EXT = '.json';
export const LOCK_EXT = '.lock';

const TASK = /^[A-Za-z0-9_]+$/;
const MODEL = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const REVISION = /^[A-Za-z0-9_]+$/;
const VERSION = /^\d+\.\d+\.\d+$/;
// One digit of minor, as NVIDIA's sm_XY names assume (sm_100 is 10.0).
const CC = /^(\d+)\.(\d)$/;
// Parsed from the right: the revision has no '-' and the task no '.', so a model may contain both.
const NAME = /^([A-Za-z0-9_]+)\.([A-Za-z0-9_][A-Za-z0-9_.-]*)-([A-Za-z0-9_]+)-trt(\d+\.\d+\.\d+)-([a-z0-9]+)-sm(\d+)(\d)\.engine$/;

function check(value: string, pattern: RegExp, what: string, rule: string): void {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw makeError('INVALID_ARGUMENT', `engine ${what} ${showValue(value)} is not usable in a file name: ${rule}`);
  }
}

export function isPrecision(value: unknown): value is Precision {
  return typeof value === 'string' && (PRECISIONS as readonly string[]).includes(value);
}

/** The engine's file name; throws INVALID_ARGUMENT naming the part that cannot go into a file name. */
/** The longest engine name: 255 bytes less what the longest file made from it adds. */
export const MAX_ENGINE_NAME = 197;

export function engineName(parts: EngineNameParts): string {
  requireOptionsObject(parts, 'engine name');
  check(parts.task, TASK, 'task', "use letters, digits and '_'");
  check(parts.model, MODEL, 'model', "use letters, digits, '_', '-' and '.' (not first)");
  check(parts.revision, REVISION, 'revision', "use letters, digits and '_'");
  check(parts.trtVersion, VERSION, 'TensorRT version', "use 'major.minor.patch'");
  check(parts.computeCapability, CC, 'compute capability', "use 'major.minor'");
  if (!isPrecision(parts.precision)) {
    throw makeError('INVALID_ARGUMENT', `precision must be one of ${PRECISIONS.join(', ')}, got ${showValue(parts.precision)}`);
  }
  const sm = parts.computeCapability.replace('.', '');
  const name = `${parts.task}.${parts.model}-${parts.revision}-trt${parts.trtVersion}-${parts.precision}-sm${sm}${ENGINE_EXT}`;
  // Checked before any build: the longest file made from the name (a quarantined entry's reason file, while it is
  // written) is 58 bytes longer, and a file name has at most 255 bytes.
  if (name.length > MAX_ENGINE_NAME) {
    throw makeError(
      'INVALID_ARGUMENT',
      `the engine name ${name} has ${name.length} characters, more than ${MAX_ENGINE_NAME} (the files made from it must fit in 255 bytes): shorten the model name (${parts.model.length} characters), the task or the revision`,
    );
  }
  return name;
}

/** The parts of a store engine name, or undefined for any other file name. */
export function parseEngineName(fileName: string): EngineNameParts | undefined {
  const m = NAME.exec(fileName);
  if (!m) return undefined;
  const [, task, model, revision, trtVersion, precision, ccMajor, ccMinor] = m as unknown as string[];
  if (!isPrecision(precision)) return undefined;
  return { task: task!, model: model!, revision: revision!, trtVersion: trtVersion!, precision, computeCapability: `${ccMajor}.${ccMinor}` };
}

/** `embed.minilm-…-sm89.engine` → `embed.minilm-…-sm89`: the stem the sidecar and the lock share. */
export function stemOf(fileName: string): string {
  return fileName.endsWith(ENGINE_EXT) ? fileName.slice(0, -ENGINE_EXT.length) : fileName;
}

/** The build lock of an engine: `<stem>.lock` beside it. */
export function lockPathOf(enginePath: string): string {
  return path.join(path.dirname(enginePath), stemOf(path.basename(enginePath)) + LOCK_EXT);
}
