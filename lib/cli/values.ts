// Element access shared by output summaries and comparisons: every dtype read as a number (half types decoded,
// bool as 0/1), except int64, which stays a bigint so nothing is rounded.
import { bfloat16BitsToFloat, halfBitsToFloat } from '../float16.js';

export type Element = number | bigint;

export interface Values {
  readonly dtype: string;
  readonly dims: readonly number[];
  readonly length: number;
  at(index: number): Element;
}

type Storage = ArrayLike<number> | ArrayLike<bigint>;

export function valuesOf(dtype: string, dims: readonly number[], data: Storage): Values {
  let at: (i: number) => Element;
  if (dtype === 'float16') at = (i) => halfBitsToFloat((data as ArrayLike<number>)[i]!);
  else if (dtype === 'bfloat16') at = (i) => bfloat16BitsToFloat((data as ArrayLike<number>)[i]!);
  else if (dtype === 'bool') at = (i) => ((data as ArrayLike<number | boolean>)[i] ? 1 : 0);
  else at = (i) => data[i]!;
  return { dtype, dims, length: data.length, at };
}

/** The flat index as a multi-index, e.g. 21 in [2,16] → [1,5]. */
export function coordsOf(index: number, dims: readonly number[]): number[] {
  const coords = new Array<number>(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = dims[i]!;
    coords[i] = d === 0 ? 0 : index % d;
    index = d === 0 ? 0 : Math.floor(index / d);
  }
  return coords;
}
