// Checking --profile and --shapes against what the model declares, before anything is built: an unknown name, a
// wrong rank, a fixed dim given another size, or a dynamic input without a shape is a usage error (exit 2) naming
// the input and its declared dims, with the option that fixes it.
import type { BuildProfile, ShapeRange, ShapeValuesRange } from '../engine-spec.js';
import { TensorRTNodeError } from '../errors.js';
import type { CliError } from './errors.js';
import { usageError } from './errors.js';
import type { LoadedInput } from './feeds.js';
import type { ProfileArg, ShapeArg, ValuesArg } from './inputs.js';
import { formatOnnxDims, type OnnxDim } from './onnx-info.js';
import { formatDims } from './output.js';

export interface DeclaredInput {
  readonly name: string;
  /** Declared dims: a size, or a dim_param / null (-1 in an engine) when dynamic; null when the rank is unknown. */
  readonly dims: readonly OnnxDim[] | null;
}

const isFixed = (d: OnnxDim): d is number => typeof d === 'number' && d >= 0;

export function isDynamicInput(input: DeclaredInput): boolean {
  return input.dims === null || !input.dims.every(isFixed);
}

function checkNames(names: readonly string[], declared: readonly DeclaredInput[], option: string): void {
  const known = new Set(declared.map((d) => d.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw usageError(`${option} names ${unknown.map((n) => `'${n}'`).join(', ')}, which the model does not have as an input; its inputs are ${declared.map((d) => `${d.name} ${formatOnnxDims(d.dims)}`).join(', ')}`);
  }
}

/** Throws unless `dims` fits the declared dims (same rank, fixed dims equal). */
function checkFits(input: DeclaredInput, dims: readonly number[], what: string): void {
  if (input.dims === null) return;
  const declared = formatOnnxDims(input.dims);
  if (dims.length !== input.dims.length) {
    throw usageError(`${what} ${formatDims(dims)} for '${input.name}' has rank ${dims.length}, but the model declares ${declared} (rank ${input.dims.length})`);
  }
  input.dims.forEach((d, i) => {
    if (isFixed(d) && dims[i] !== d) throw usageError(`${what} ${formatDims(dims)} for '${input.name}' gives dim ${i} the size ${dims[i]}, but the model fixes it to ${d} (declared ${declared})`);
  });
}

function exampleDims(input: DeclaredInput, size: number): string {
  return (input.dims ?? [null]).map((d) => (isFixed(d) ? d : size)).join('x');
}

/** The optimization profile for `build`: one entry per --profile, and per --values (a shape tensor input's values);
 * every dynamic input needs a --profile. */
export function profileFromArgs(declared: readonly DeclaredInput[], args: readonly ProfileArg[], valuesArgs: readonly ValuesArg[] = []): BuildProfile {
  checkNames(args.map((a) => a.name), declared, '--profile');
  checkNames(valuesArgs.map((a) => a.name), declared, '--values');
  const profile: Record<string, ShapeRange | ShapeValuesRange> = {};
  for (const input of declared) {
    const values = valuesArgs.find((a) => a.name === input.name);
    if (values) {
      if (args.some((a) => a.name === input.name)) throw usageError(`input '${input.name}' has both --profile and --values: a shape tensor takes values, any other input dims`);
      const count = input.dims !== null && input.dims.every(isFixed) ? input.dims.reduce<number>((a, d) => a * (d as number), 1) : undefined;
      if (count !== undefined && values.min.length !== count) {
        throw usageError(`--values for '${input.name}' gives ${values.min.length} values, but the model declares ${formatOnnxDims(input.dims)} (${count} elements)`);
      }
      profile[input.name] = { values: { min: values.min, opt: values.opt, max: values.max } };
      continue;
    }
    const arg = args.find((a) => a.name === input.name);
    if (!arg) {
      if (isDynamicInput(input)) {
        const example = `${input.name}:${exampleDims(input, 1)}:${exampleDims(input, 8)}:${exampleDims(input, 64)}`;
        throw usageError(`input '${input.name}' has dynamic dims ${formatOnnxDims(input.dims)}, so the engine needs its shape range: add --profile ${example} (min:opt:max)`);
      }
      continue;
    }
    checkFits(input, arg.min, '--profile min');
    checkFits(input, arg.opt, '--profile opt');
    checkFits(input, arg.max, '--profile max');
    profile[input.name] = { min: arg.min, opt: arg.opt, max: arg.max };
  }
  return profile;
}

export interface RunShape {
  readonly dims: readonly number[];
  /** Where the shape came from: the input's file, --shapes, the model's fixed dims, or the engine's profile opt. */
  readonly from: 'file' | 'shapes' | 'model' | 'profile';
}

/**
 * The shape of every input for one run: from the input's file when it carries one, else --shapes, else the fixed
 * declared dims, else `fallback` (an engine's profile opt); a dynamic input with none of these is a usage error.
 */
export function shapesForRun(
  declared: readonly DeclaredInput[],
  shapeArgs: readonly ShapeArg[],
  loaded: ReadonlyMap<string, LoadedInput>,
  fallback?: (name: string) => readonly number[] | undefined,
): Map<string, RunShape> {
  checkNames(shapeArgs.map((s) => s.name), declared, '--shapes');
  checkNames([...loaded.keys()], declared, '--input');
  const missing = declared.filter((d) => !loaded.has(d.name));
  if (missing.length > 0) {
    throw usageError(
      `no --input for ${missing.map((d) => `'${d.name}' ${formatOnnxDims(d.dims)}`).join(', ')}; give each input a source, e.g. ${missing.map((d) => `--input ${d.name}=random`).join(' ')}`,
    );
  }
  const shapes = new Map<string, RunShape>();
  for (const input of declared) {
    const fromFile = loaded.get(input.name)?.dims;
    const fromArg = shapeArgs.find((s) => s.name === input.name)?.dims;
    if (fromFile && fromArg && formatDims(fromFile) !== formatDims(fromArg)) {
      throw usageError(`input '${input.name}': its file has the shape ${formatDims(fromFile)} but --shapes says ${formatDims(fromArg)}; drop one or make them agree`);
    }
    const fixed = input.dims !== null && input.dims.every(isFixed) ? (input.dims as number[]) : undefined;
    const fromFallback = (fromFile ?? fromArg ?? fixed) === undefined ? fallback?.(input.name) : undefined;
    const dims = fromFile ?? fromArg ?? fixed ?? fromFallback;
    const from: RunShape['from'] = fromFile ? 'file' : fromArg ? 'shapes' : fixed ? 'model' : 'profile';
    if (!dims) {
      throw usageError(`input '${input.name}' has dynamic dims ${formatOnnxDims(input.dims)}: give its shape with --shapes ${input.name}:${exampleDims(input, 1)} (or a .npy/.json input that carries it)`);
    }
    checkFits(input, dims, fromFile ? 'the file shape' : 'the shape');
    shapes.set(input.name, { dims, from });
  }
  return shapes;
}

/** A profile that admits exactly the given shapes (for the temporary engine `run` builds from ONNX). */
export function exactProfile(declared: readonly DeclaredInput[], shapes: ReadonlyMap<string, RunShape>): Record<string, ShapeRange> {
  const profile: Record<string, ShapeRange> = {};
  for (const input of declared) {
    const dims = shapes.get(input.name)?.dims;
    if (dims && isDynamicInput(input)) profile[input.name] = { min: dims, opt: dims, max: dims };
  }
  return profile;
}

/** The builder's word that a profile gives an input in the wrong form (dims for a shape tensor, or values for
 * another input), said with this command's options. */
export function shapeTensorUsage(error: unknown): CliError | undefined {
  if (!(error instanceof TensorRTNodeError) || error.code !== 'BUILD_FAILED' || error.tensor === undefined) return undefined;
  const name = error.tensor;
  if (/: a shape tensor \(/.test(error.message)) {
    return usageError(`input '${name}' is a shape tensor (its values decide output shapes, and TensorRT reads them on the host): give its range of values with --values ${name}:<min>:<opt>:<max>, each a list like -1,16 with one value per element`);
  }
  if (/: not a shape tensor \(/.test(error.message)) {
    return usageError(`input '${name}' is not a shape tensor (its values decide no shape): give its shape range with --profile instead of --values`);
  }
  return undefined;
}
