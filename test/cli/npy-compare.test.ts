// Units of the CLI that need no subprocess: the .npy reader and the output comparison.
import { describe, expect, it } from 'vitest';
import { compareOutput } from '../../lib/cli/compare.js';
import { parseNpy } from '../../lib/cli/npy.js';
import { valuesOf } from '../../lib/cli/values.js';

function npy(descr: string, shape: string, data: Uint8Array, options: { fortran?: boolean; version?: 1 | 2 } = {}): Uint8Array {
  const header = `{'descr': '${descr}', 'fortran_order': ${options.fortran ? 'True' : 'False'}, 'shape': ${shape}, }\n`;
  const version = options.version ?? 1;
  const prefix = new Uint8Array(version === 1 ? 10 : 12);
  prefix.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(prefix.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

describe('parseNpy', () => {
  it('reads little-endian float32 in C order', () => {
    const a = parseNpy(npy('<f4', '(2, 3)', new Uint8Array(Float32Array.of(1, 2, 3, 4, 5, 6.5).buffer)));
    expect(a).toEqual({ dtype: 'float32', dims: [2, 3], values: [1, 2, 3, 4, 5, 6.5] });
  });

  it('reads big-endian int32, int64 as bigint, bool, a 1-d shape and a scalar, and format 2.0', () => {
    const be = new Uint8Array(8);
    new DataView(be.buffer).setInt32(0, -7, false);
    new DataView(be.buffer).setInt32(4, 300, false);
    expect(parseNpy(npy('>i4', '(2,)', be))).toEqual({ dtype: 'int32', dims: [2], values: [-7, 300] });
    expect(parseNpy(npy('<i8', '(1,)', new Uint8Array(BigInt64Array.of(2n ** 60n).buffer))).values).toEqual([2n ** 60n]);
    expect(parseNpy(npy('|b1', '(3,)', Uint8Array.of(1, 0, 1))).values).toEqual([true, false, true]);
    expect(parseNpy(npy('<f8', '()', new Uint8Array(Float64Array.of(0.25).buffer), { version: 2 }))).toEqual({ dtype: 'float64', dims: [], values: [0.25] });
  });

  it('refuses what it cannot read, saying why', () => {
    expect(() => parseNpy(Uint8Array.of(1, 2, 3))).toThrow(/magic/);
    expect(() => parseNpy(npy('<f4', '(2, 2)', new Uint8Array(16), { fortran: true }))).toThrow(/Fortran order/);
    expect(() => parseNpy(npy('<c8', '(1,)', new Uint8Array(8)))).toThrow(/dtype '<c8' is not supported/);
    expect(() => parseNpy(npy('<f4', '(4,)', new Uint8Array(8)))).toThrow(/holds 8 bytes of data but its shape \(4\) of float32 needs 16/);
  });
});

describe('compareOutput', () => {
  const f32 = (dims: number[], values: number[]) => valuesOf('float32', dims, Float32Array.from(values));
  const tol = { atol: 1e-5, rtol: 1e-4 };

  it('applies numpy.allclose and reports the element furthest beyond its tolerance', () => {
    const c = compareOutput('y', f32([2, 2], [1, 2.0001, 3, 100.5]), f32([2, 2], [1, 2, 3, 100]), tol);
    expect(c).toMatchObject({ pass: false, elements: 4, mismatches: 1 });
    expect(c.worst).toMatchObject({ index: 3, coords: [1, 1], expected: 100 });
    expect(c.maxAbsError).toBeCloseTo(0.5, 5);
    expect(c.maxRelError).toBeCloseTo(0.005, 5);
  });

  it('counts NaN against a number as a mismatch, NaN against NaN as equal', () => {
    expect(compareOutput('y', f32([2], [NaN, 1]), f32([2], [NaN, 1]), tol).pass).toBe(true);
    const c = compareOutput('y', f32([2], [NaN, 1]), f32([2], [0, 1]), tol);
    expect(c).toMatchObject({ pass: false, mismatches: 1, worst: { index: 0, absError: Infinity } });
  });

  it('compares int64 exactly, beyond 2^53', () => {
    const big = 2n ** 60n;
    const a = valuesOf('int64', [2], BigInt64Array.of(big, 1n));
    const e = valuesOf('int64', [2], BigInt64Array.of(big + 1n, 1n));
    expect(compareOutput('n', a, e, { atol: 0, rtol: 0 })).toMatchObject({ pass: false, mismatches: 1, worst: { index: 0, absError: 1 } });
  });

  it('reports a missing output, another dtype or shape instead of comparing', () => {
    expect(compareOutput('y', f32([2], [1, 2]), undefined, tol)).toMatchObject({ pass: false, error: 'the reference has no output of this name' });
    expect(compareOutput('y', f32([2], [1, 2]), f32([1, 2], [1, 2]), tol).error).toMatch(/shape \[2\] differs from the reference's \[1,2\]/);
    expect(compareOutput('y', f32([2], [1, 2]), valuesOf('int32', [2], Int32Array.of(1, 2)), tol).error).toMatch(/dtype float32 differs/);
  });
});
