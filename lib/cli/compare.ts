// Comparing the engine's outputs with a reference (onnxruntime-node on the CPU), element by element, with
// numpy.allclose's rule: |actual - expected| <= atol + rtol * |expected|. Both NaN counts as equal.
import { coordsOf } from './values.js';
import type { Element, Values } from './values.js';

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export interface WorstElement {
  readonly index: number;
  readonly coords: readonly number[];
  readonly actual: Element;
  readonly expected: Element;
  readonly absError: number;
  /** absError / |expected|; null when expected is 0. */
  readonly relError: number | null;
}

export interface OutputComparison {
  readonly name: string;
  readonly pass: boolean;
  readonly elements: number;
  /** Elements outside the tolerance. */
  readonly mismatches: number;
  readonly maxAbsError: number;
  /** Over the elements whose expected value is not 0; null when there are none. */
  readonly maxRelError: number | null;
  /** The element furthest beyond its tolerance (largest |a-e| - (atol + rtol|e|)); null without elements. */
  readonly worst: WorstElement | null;
  /** Why the output could not be compared element-wise (missing, another dtype or shape). */
  readonly error?: string;
}

function difference(a: Element, e: Element): number {
  if (typeof a === 'bigint' && typeof e === 'bigint') return Number(a - e); // exact for int64 beyond 2^53
  return Number(a) - Number(e);
}

function unusable(name: string, error: string): OutputComparison {
  return { name, pass: false, elements: 0, mismatches: 0, maxAbsError: 0, maxRelError: null, worst: null, error };
}

export function compareOutput(name: string, actual: Values | undefined, expected: Values | undefined, tol: Tolerance): OutputComparison {
  if (!expected) return unusable(name, 'the reference has no output of this name');
  if (!actual) return unusable(name, 'the engine has no output of this name');
  if (actual.dtype !== expected.dtype) return unusable(name, `dtype ${actual.dtype} differs from the reference's ${expected.dtype}`);
  if (actual.dims.join() !== expected.dims.join() || actual.length !== expected.length) {
    return unusable(name, `shape [${actual.dims.join(',')}] differs from the reference's [${expected.dims.join(',')}]`);
  }
  let mismatches = 0;
  let maxAbs = 0;
  let maxRel: number | null = null;
  let worstIndex = -1;
  let worstScore = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    const a = actual.at(i);
    const e = expected.at(i);
    const an = Number(a);
    const en = Number(e);
    let abs: number;
    let score: number;
    if (Number.isNaN(an) || Number.isNaN(en)) {
      const both = Number.isNaN(an) && Number.isNaN(en);
      abs = both ? 0 : Infinity;
      score = both ? -Infinity : Infinity;
    } else if (an === en && typeof a !== 'bigint') {
      abs = 0; // also equal infinities
      score = -(tol.atol + tol.rtol * Math.abs(en));
    } else {
      abs = Math.abs(difference(a, e));
      score = abs - (tol.atol + tol.rtol * Math.abs(en));
    }
    if (score > 0) mismatches++;
    if (abs > maxAbs) maxAbs = abs;
    if (en !== 0 && !Number.isNaN(en)) maxRel = Math.max(maxRel ?? 0, abs / Math.abs(en));
    if (score > worstScore || worstIndex < 0) {
      worstScore = score;
      worstIndex = i;
    }
  }
  let worst: WorstElement | null = null;
  if (worstIndex >= 0) {
    const a = actual.at(worstIndex);
    const e = expected.at(worstIndex);
    const abs = Number.isNaN(Number(a)) !== Number.isNaN(Number(e)) ? Infinity : Number.isNaN(Number(a)) ? 0 : Math.abs(difference(a, e));
    worst = { index: worstIndex, coords: coordsOf(worstIndex, expected.dims), actual: a, expected: e, absError: abs, relError: Number(e) === 0 ? null : abs / Math.abs(Number(e)) };
  }
  return { name, pass: mismatches === 0, elements: expected.length, mismatches, maxAbsError: maxAbs, maxRelError: maxRel, worst };
}
