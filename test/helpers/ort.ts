// Reference runner (onnxruntime-node, CPU) and a numpy.allclose-style output comparator.
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { type DType, type TensorData, type TypedArray, fromHalf, numel } from '../models/onnx-builder.js';

export type TensorMap = Record<string, TensorData>;

// Warnings that ORT's kernels log through its default logger (not the session's), such as RoiAlign's note on its old
// max-mode summation, stay off the terminal too.
ort.env.logLevel = 'error';

// Sessions are cached per model bytes object (the zoo hands out one stable Uint8Array per model).
const sessions = new WeakMap<Uint8Array, Promise<ort.InferenceSession>>();

function session(onnx: Uint8Array): Promise<ort.InferenceSession> {
  let s = sessions.get(onnx);
  if (!s) {
    s = ort.InferenceSession.create(onnx, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1, // deterministic reductions, no oversubscription next to our engine
      interOpNumThreads: 1,
      logSeverityLevel: 3, // errors only: models of old opsets are tested on purpose, and the terminal stays clean
    });
    sessions.set(onnx, s);
    s.catch(() => sessions.delete(onnx)); // don't cache a failed load
  }
  return s;
}

const ORT_TYPES: Record<string, DType> = {
  float32: 'float32', float16: 'float16', int8: 'int8', uint8: 'uint8',
  int32: 'int32', int64: 'int64', bool: 'bool',
};

/** Run a model on onnxruntime CPU. bool is Uint8Array (0/1), int64 BigInt64Array, float16 Uint16Array bits. */
export async function runOrt(onnx: Uint8Array, feeds: TensorMap): Promise<TensorMap> {
  const s = await session(onnx);
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    // ort.Tensor('bool', Uint8Array) is accepted as-is; everything else maps 1:1 by dtype name.
    ortFeeds[name] = new ort.Tensor(t.dtype, t.data as never, t.dims);
  }
  const results = await s.run(ortFeeds);
  const out: TensorMap = {};
  for (const [name, t] of Object.entries(results)) {
    const dtype = ORT_TYPES[t.type];
    if (!dtype) throw new Error(`output ${name}: unsupported ORT type ${t.type}`);
    // copy: ORT may hand out views over its own buffers
    out[name] = { dtype, dims: [...t.dims], data: (t.data as TypedArray).slice() };
    t.dispose();
  }
  return out;
}

export interface Worst {
  index: number; // flat index
  coords: number[]; // same element as a multi-index
  actual: number | bigint;
  expected: number | bigint;
  absErr: number;
  relErr: number; // absErr / |expected|
}
export interface OutputComparison {
  pass: boolean;
  /** set when dtype / shape / presence differ (then worst is null) */
  error?: string;
  mismatches: number;
  worst: Worst | null;
}
export interface Comparison {
  pass: boolean;
  outputs: Record<string, OutputComparison>;
}
export interface Tolerance {
  atol?: number;
  rtol?: number;
  /** treat NaN == NaN as a match (default true: both engines agreeing on NaN is not a bug here) */
  equalNan?: boolean;
  /** whether +0 and -0 differ (default true) */
  zeroSign?: boolean;
}

function coordsOf(index: number, dims: number[]): number[] {
  const c = new Array<number>(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    c[i] = index % dims[i];
    index = Math.floor(index / dims[i]);
  }
  return c;
}

const isFloat = (d: DType) => d === 'float32' || d === 'float16';
const num = (d: DType, v: number | bigint) => (d === 'float16' ? fromHalf(Number(v)) : v);

function compareOne(a: TensorData, e: TensorData, tol: Required<Tolerance>): OutputComparison {
  if (a.dtype !== e.dtype) return { pass: false, error: `dtype ${a.dtype} != ${e.dtype}`, mismatches: 0, worst: null };
  if (a.dims.join() !== e.dims.join() || a.data.length !== numel(e.dims) || e.data.length !== numel(e.dims)) {
    return { pass: false, error: `shape [${a.dims}] != [${e.dims}]`, mismatches: 0, worst: null };
  }
  const exact = !isFloat(e.dtype); // integers and bools must match bit for bit
  let mismatches = 0;
  let worst: Worst | null = null;
  let worstScore = -Infinity;
  for (let i = 0; i < e.data.length; i++) {
    const av = num(a.dtype, a.data[i]);
    const ev = num(e.dtype, e.data[i]);
    let absErr: number;
    let ok: boolean;
    let score: number; // how far beyond tolerance; the largest is "worst"
    if (exact) {
      ok = av === ev;
      absErr = Math.abs(Number(av) - Number(ev));
      score = ok ? -Infinity : absErr;
    } else {
      const x = av as number;
      const y = ev as number;
      if (x === 0 && y === 0) { ok = !tol.zeroSign || Object.is(x, y); absErr = 0; score = ok ? -tol.atol : 0; } // the sign of zero counts
      else if (x === y) { ok = true; absErr = 0; score = -(tol.atol + tol.rtol * Math.abs(y)); } // also equal infinities
      else if (Number.isNaN(x) || Number.isNaN(y)) {
        ok = tol.equalNan && Number.isNaN(x) && Number.isNaN(y);
        absErr = ok ? 0 : Infinity;
        score = ok ? -Infinity : Infinity;
      } else {
        absErr = Math.abs(x - y);
        const bound = tol.atol + tol.rtol * Math.abs(y);
        ok = absErr <= bound; // numpy.allclose rule
        score = absErr - bound;
      }
    }
    if (!ok) mismatches++;
    if (score > worstScore || worst === null) {
      worstScore = score;
      worst = {
        index: i,
        coords: coordsOf(i, e.dims),
        actual: av,
        expected: ev,
        absErr,
        relErr: absErr === 0 ? 0 : absErr / Math.abs(Number(ev)),
      };
    }
  }
  return { pass: mismatches === 0, mismatches, worst };
}

/**
 * Compare every expected output: float passes when |a-e| <= atol + rtol*|e| (numpy.allclose);
 * integers and bools must match exactly. Reports the worst element of each output.
 */
export function compareOutputs(actual: TensorMap, expected: TensorMap, tolerance: Tolerance = {}): Comparison {
  const tol = { atol: 1e-5, rtol: 1e-5, equalNan: true, zeroSign: true, ...tolerance };
  const outputs: Record<string, OutputComparison> = {};
  for (const [name, e] of Object.entries(expected)) {
    const a = actual[name];
    outputs[name] = a ? compareOne(a, e, tol) : { pass: false, error: 'missing output', mismatches: 0, worst: null };
  }
  for (const name of Object.keys(actual)) {
    if (!(name in expected)) outputs[name] = { pass: false, error: 'not an output of the reference', mismatches: 0, worst: null };
  }
  return { pass: Object.values(outputs).every((o) => o.pass), outputs };
}

/** One line per failing output, for assertion messages. */
export function formatComparison(c: Comparison): string {
  return Object.entries(c.outputs)
    .filter(([, o]) => !o.pass)
    .map(([name, o]) => {
      if (o.error) return `${name}: ${o.error}`;
      const w = o.worst!;
      return `${name}: ${o.mismatches} mismatches; worst at [${w.coords}] actual=${w.actual} expected=${w.expected} abs=${w.absErr.toExponential(3)} rel=${w.relErr.toExponential(3)}`;
    })
    .join('\n');
}

/** float32 against onnxruntime: the two sum in different orders, so relative 1e-4 (and 1e-5 near zero). */
export const FP32_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

/** Tensors as they come from a run (or any { dtype, dims, data }), as a TensorMap. */
export function asTensorMap(result: Readonly<Record<string, unknown>>): TensorMap {
  const out: TensorMap = {};
  for (const [name, value] of Object.entries(result)) {
    const t = value as { dtype: DType; dims: readonly number[]; data: TypedArray };
    out[name] = { dtype: t.dtype, dims: [...t.dims], data: t.data };
  }
  return out;
}

/** A run's outputs equal onnxruntime's on the same model and feeds: the same output names, every value within
 * `tolerance` (integers and bools exactly). */
export async function expectLikeOrt(onnx: Uint8Array, feeds: Readonly<Record<string, unknown>>, result: Readonly<Record<string, unknown>>, tolerance: Tolerance = FP32_TOLERANCE): Promise<void> {
  const comparison = compareOutputs(asTensorMap(result), await runOrt(onnx, asTensorMap(feeds)), tolerance);
  expect(comparison.pass, formatComparison(comparison)).toBe(true);
}
