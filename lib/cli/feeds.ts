// Turning --input sources into tensors: JSON (nested arrays, or {dims, data}), .npy files, or seeded random values.
// Files are read first, before the model's dtypes are known (an ONNX model's engine is built from their shapes);
// conversion to the engine's dtype comes last.
import { constants } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { Tensor } from '../tensor.js';
import { DTYPES, isDType } from '../dtypes.js';
import type { DType } from '../dtypes.js';
import { usageError } from './errors.js';
import { formatDims } from './output.js';
import type { InputArg, InputSource } from './inputs.js';
import { parseNpy } from './npy.js';

type Value = number | bigint | boolean;

export interface LoadedInput {
  readonly name: string;
  readonly source: InputSource;
  /** The shape the file carries (nested JSON arrays, {dims}, .npy); undefined for random or a flat JSON list. */
  readonly dims?: readonly number[];
  /** Undefined for random. */
  readonly values?: readonly Value[];
}

export function describeSource(source: InputSource): string {
  return source.kind === 'random' ? 'random' : source.path;
}

async function readSource(name: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw usageError(`the file ${path} given for input '${name}' ${why}; check the path in --input ${name}=…`);
  }
}

function jsonElement(v: unknown, where: () => string): Value {
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return BigInt(v); // int64 beyond 2^53 written as a string
    if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
  }
  throw new Error(`${where()} is ${JSON.stringify(v)}; elements must be numbers, booleans, or integers written as strings`);
}

/** Flattens nested arrays, checking they are rectangular; returns the dims they describe. */
function flatten(value: unknown): { dims: number[]; values: Value[] } {
  const dims: number[] = [];
  for (let probe: unknown = value; Array.isArray(probe); probe = probe[0]) dims.push(probe.length);
  const values: Value[] = [];
  const walk = (v: unknown, depth: number, path: number[]): void => {
    const at = () => `element [${path.join(',')}]`;
    if (depth === dims.length) {
      values.push(jsonElement(v, at));
      return;
    }
    if (!Array.isArray(v) || v.length !== dims[depth]) {
      throw new Error(`${at()} should be a list of ${dims[depth]} (the arrays are not rectangular)`);
    }
    v.forEach((item, i) => walk(item, depth + 1, [...path, i]));
  };
  walk(value, 0, []);
  return { dims, values };
}

function parseJsonInput(text: string): { dims?: number[]; values: Value[] } {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'data' in parsed) {
    const { dims, data } = parsed as { dims?: unknown; data: unknown };
    const flat = flatten(data);
    if (dims === undefined) return flat;
    if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error('"dims" must be a list of sizes');
    return { dims: dims as number[], values: flat.values };
  }
  const flat = flatten(parsed);
  // A flat list gives no shape of its own: it takes the one from --shapes or the model.
  return flat.dims.length === 1 ? { values: flat.values } : flat;
}

export async function loadInputs(args: readonly InputArg[]): Promise<Map<string, LoadedInput>> {
  const loaded = new Map<string, LoadedInput>();
  for (const { name, source } of args) {
    if (source.kind === 'random') {
      loaded.set(name, { name, source });
      continue;
    }
    const bytes = await readSource(name, source.path);
    try {
      if (source.kind === 'npy') {
        const npy = parseNpy(bytes);
        loaded.set(name, { name, source, dims: npy.dims, values: npy.values });
      } else {
        loaded.set(name, { name, source, ...parseJsonInput(bytes.toString('utf8')) });
      }
    } catch (error) {
      // Everything thrown while parsing is about the file's content (NpyError, JSON SyntaxError, shape errors).
      throw usageError(`input '${name}': ${source.path} cannot be used: ${(error as Error).message}`);
    }
  }
  return loaded;
}

/** mulberry32: small, seeded, identical on every platform. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nameHash(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Random values: floats uniform in [-1, 1), integers in [0, 10), bools 0/1; each input gets its own stream. */
function randomValues(dtype: DType, count: number, seed: number, name: string): Value[] {
  const next = random(seed ^ nameHash(name));
  const values = new Array<Value>(count);
  const float = dtype === 'float32' || dtype === 'float16' || dtype === 'bfloat16';
  for (let i = 0; i < count; i++) {
    const u = next();
    values[i] = float ? u * 2 - 1 : dtype === 'bool' ? u < 0.5 : Math.floor(u * 10);
  }
  return values;
}

function convert(dtype: DType, values: readonly Value[]): Value[] {
  if (dtype === 'int64') return values.map((v) => (typeof v === 'bigint' ? v : typeof v === 'boolean' ? BigInt(v) : Number.isSafeInteger(v) ? BigInt(v) : v));
  if (dtype === 'bool') return values.map((v) => (typeof v === 'bigint' ? v !== 0n : v));
  return values.map((v) => (typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : v));
}

// The values pass through a JS array (at most 2^32 - 1 elements) into one buffer (at most kMaxLength bytes): a
// larger input would fail deep inside with "Invalid array length".
function requireAllocatable(name: string, dtype: DType, dims: readonly number[], count: number): void {
  const limit = Math.min(2 ** 32 - 1, Math.floor(constants.MAX_LENGTH / DTYPES[dtype].bytesPerElement));
  if (count > limit) {
    throw usageError(`input '${name}': the shape ${formatDims(dims)} has ${count} elements, more than the ${limit} a ${dtype} tensor can hold here`);
  }
}

/** The tensor for one input, in the engine's dtype. */
export function makeTensor(name: string, dtype: string, dims: readonly number[], input: LoadedInput, seed: number): Tensor {
  if (!isDType(dtype)) throw usageError(`input '${name}' has dtype ${dtype}, which the CLI cannot fill`);
  const count = dims.reduce((a, b) => a * b, 1);
  requireAllocatable(name, dtype, dims, count);
  const values = input.values ?? randomValues(dtype, count, seed, name);
  if (values.length !== count) {
    throw usageError(`input '${name}': ${describeSource(input.source)} holds ${values.length} values but the shape ${formatDims(dims)} needs ${count}`);
  }
  try {
    return Tensor.from(dtype, convert(dtype, values) as never, dims);
  } catch (error) {
    throw usageError(`input '${name}': ${describeSource(input.source)} cannot be a ${dtype} tensor: ${(error as Error).message}`);
  }
}
