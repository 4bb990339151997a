// What `run` prints for each output: dtype, shape, the first values, and min / max / mean.
import type { Element, Values } from './values.js';

export interface OutputSummary {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Up to the first 8 elements, in C order. */
  readonly first: readonly Element[];
  /** null for an empty tensor; NaN elements are skipped (and counted in `nan`). */
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly nan: number;
}

export const FIRST_VALUES = 8;

export function summarize(name: string, values: Values): OutputSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let counted = 0;
  let nan = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values.at(i));
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    counted++;
  }
  const first: Element[] = [];
  for (let i = 0; i < Math.min(FIRST_VALUES, values.length); i++) first.push(values.at(i));
  return {
    name,
    dtype: values.dtype,
    shape: [...values.dims],
    first,
    min: counted ? min : null,
    max: counted ? max : null,
    mean: counted ? sum / counted : null,
    nan,
  };
}
