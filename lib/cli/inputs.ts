// Parsers for the repeatable shape options: --profile name:min:opt:max, --values name:min:opt:max, --shapes name:dims
// and --input name=file.json|file.npy|random. Dims are written 1x16, a shape tensor's values -1,16 (they may be negative). Names are split off at the last ':' (TensorFlow
// exports use names like "input:0") and at the first '=' for --input. Each parser throws commander's
// InvalidArgumentError, which commander reports with the option and exits 2.
import { InvalidArgumentError } from 'commander';
import { IO_FORMATS } from '../build.js';
import type { IoFormat } from '../build.js';

export interface ProfileArg {
  readonly name: string;
  readonly min: readonly number[];
  readonly opt: readonly number[];
  readonly max: readonly number[];
}

/** A shape tensor input's min/opt/max values (--values). */
export type ValuesArg = ProfileArg;

export interface ShapeArg {
  readonly name: string;
  readonly dims: readonly number[];
}

export type InputSource = { readonly kind: 'random' } | { readonly kind: 'json' | 'npy'; readonly path: string };

export interface InputArg {
  readonly name: string;
  readonly source: InputSource;
}

const DIMS = /^\d+(x\d+)*$/;

/** `1x16` → [1, 16]. */
export function parseDims(text: string, what: string): number[] {
  if (!DIMS.test(text)) throw new InvalidArgumentError(`${what} '${text}' is not a shape: write the dims joined by 'x', e.g. 1x16.`);
  return text.split('x').map(Number);
}

function splitLast(value: string, separator: string, count: number): string[] | undefined {
  const parts = value.split(separator);
  if (parts.length < count + 1) return undefined;
  const tail = parts.slice(-count);
  const name = parts.slice(0, -count).join(separator);
  return name === '' ? undefined : [name, ...tail];
}

function noDuplicate(previous: readonly { name: string }[], name: string, option: string): void {
  if (previous.some((p) => p.name === name)) throw new InvalidArgumentError(`${option} is given twice for '${name}'; give it once per input.`);
}

export function parseProfile(value: string, previous: readonly ProfileArg[] = []): ProfileArg[] {
  const parts = splitLast(value, ':', 3);
  if (!parts) throw new InvalidArgumentError(`expected name:min:opt:max, e.g. x:1x16:8x16:64x16.`);
  const [name, minText, optText, maxText] = parts as [string, string, string, string];
  const min = parseDims(minText, 'min');
  const opt = parseDims(optText, 'opt');
  const max = parseDims(maxText, 'max');
  if (min.length !== opt.length || opt.length !== max.length) {
    throw new InvalidArgumentError(`min, opt and max of '${name}' have ranks ${min.length}, ${opt.length} and ${max.length}; they must have the same rank.`);
  }
  for (let i = 0; i < min.length; i++) {
    if (!(min[i]! <= opt[i]! && opt[i]! <= max[i]!)) {
      throw new InvalidArgumentError(`dim ${i} of '${name}' must satisfy min <= opt <= max, got ${min[i]} / ${opt[i]} / ${max[i]}.`);
    }
  }
  noDuplicate(previous, name, '--profile');
  return [...previous, { name, min, opt, max }];
}

const VALUES = /^-?\d+(,-?\d+)*$/;

function parseValueList(text: string, what: string): number[] {
  if (!VALUES.test(text)) throw new InvalidArgumentError(`${what} '${text}' is not a list of values: write the integers joined by ',', e.g. -1,16.`);
  const values = text.split(',').map(Number);
  if (!values.every(Number.isSafeInteger)) throw new InvalidArgumentError(`${what} '${text}' holds a value beyond 2^53.`);
  return values;
}

/** --io-format name:format, repeatable: the formats by tensor name, each tensor once. */
export function parseIoFormat(value: string, previous: Readonly<Record<string, IoFormat>> = {}): Record<string, IoFormat> {
  const at = value.lastIndexOf(':');
  const name = value.slice(0, at);
  const format = value.slice(at + 1);
  if (at <= 0 || !IO_FORMATS.includes(format as IoFormat)) {
    throw new InvalidArgumentError(`expected name:format with a format among ${IO_FORMATS.join(', ')}, e.g. x:chw32.`);
  }
  if (Object.hasOwn(previous, name)) throw new InvalidArgumentError(`'${name}' is given twice.`);
  return { ...previous, [name]: format as IoFormat };
}

/** --shape-output, repeatable: the names in order, each once. */
export function parseShapeOutput(value: string, previous: readonly string[] = []): string[] {
  if (value === '') throw new InvalidArgumentError('expected the name of a model output.');
  if (previous.includes(value)) throw new InvalidArgumentError(`'${value}' is given twice.`);
  return [...previous, value];
}

export function parseValues(value: string, previous: readonly ValuesArg[] = []): ValuesArg[] {
  const parts = splitLast(value, ':', 3);
  if (!parts) throw new InvalidArgumentError(`expected name:min:opt:max with the values joined by ',', e.g. target:-1,1:2,4:32,32.`);
  const [name, minText, optText, maxText] = parts as [string, string, string, string];
  const min = parseValueList(minText, 'min');
  const opt = parseValueList(optText, 'opt');
  const max = parseValueList(maxText, 'max');
  if (min.length !== opt.length || opt.length !== max.length) {
    throw new InvalidArgumentError(`min, opt and max of '${name}' have ${min.length}, ${opt.length} and ${max.length} values; they must have as many.`);
  }
  for (let i = 0; i < min.length; i++) {
    if (!(min[i]! <= opt[i]! && opt[i]! <= max[i]!)) {
      throw new InvalidArgumentError(`value ${i} of '${name}' must satisfy min <= opt <= max, got ${min[i]} / ${opt[i]} / ${max[i]}.`);
    }
  }
  noDuplicate(previous, name, '--values');
  return [...previous, { name, min, opt, max }];
}

export function parseShape(value: string, previous: readonly ShapeArg[] = []): ShapeArg[] {
  const parts = splitLast(value, ':', 1);
  if (!parts) throw new InvalidArgumentError(`expected name:dims, e.g. x:2x16.`);
  const [name, dimsText] = parts as [string, string];
  const dims = parseDims(dimsText, `the shape of '${name}'`);
  noDuplicate(previous, name, '--shapes');
  return [...previous, { name, dims }];
}

export function parseInput(value: string, previous: readonly InputArg[] = []): InputArg[] {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new InvalidArgumentError(`expected name=file.json, name=file.npy or name=random.`);
  const name = value.slice(0, eq);
  const spec = value.slice(eq + 1);
  let source: InputSource;
  if (spec === 'random') source = { kind: 'random' };
  else if (/\.json$/i.test(spec)) source = { kind: 'json', path: spec };
  else if (/\.npy$/i.test(spec)) source = { kind: 'npy', path: spec };
  else throw new InvalidArgumentError(`'${spec}' for input '${name}' must be a .json file, a .npy file or the word random.`);
  noDuplicate(previous, name, '--input');
  return [...previous, { name, source }];
}

/** A non-negative number option (--atol, --rtol). */
export function parseNonNegative(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative number.`);
    return n;
  };
}

/** --workspace in MiB: a non-negative number whose byte count is a safe integer (the library's workspaceBytes). */
export function parseMebibytes(what: string): (value: string) => number {
  const nonNegative = parseNonNegative(what);
  return (value) => {
    const n = nonNegative(value);
    if (Math.round(n * 2 ** 20) > Number.MAX_SAFE_INTEGER) {
      throw new InvalidArgumentError(`${what} must be at most ${Math.floor(Number.MAX_SAFE_INTEGER / 2 ** 20)} MiB (2^53 bytes), got ${value}.`);
    }
    return n;
  };
}

export function parseInteger(what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what} must be an integer.`);
    return n;
  };
}
