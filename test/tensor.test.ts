import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DTYPES, dtypeFromTypedArray, isDType, type DType } from '../lib/dtypes.js';
import {
  bfloat16BitsToFloat,
  floatToBfloat16Bits,
  floatToHalfBits,
  fromBfloat16Array,
  fromFloat16Array,
  halfBitsToFloat,
  toBfloat16Array,
  toFloat16Array,
} from '../lib/float16.js';
import { Tensor } from '../lib/tensor.js';

const ALL: DType[] = ['float32', 'float16', 'bfloat16', 'int8', 'uint8', 'int32', 'int64', 'bool'];

function detach(buf: ArrayBuffer): void {
  structuredClone(buf, { transfer: [buf] });
}

/** Independent reference: correctly rounded (nearest-even) value on a grid with `mant` fraction bits. */
function refRound(x: number, mant: number, minExp: number, maxFinite: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  const e = Math.max(Math.floor(Math.log2(a)), minExp);
  let ulp = 2 ** (e - mant);
  // log2 may be off by one near powers of two; fix the binade.
  if (a >= 2 ** (e + 1) && e + 1 >= minExp) ulp *= 2;
  if (a < 2 ** e && e > minExp) ulp /= 2;
  const q = a / ulp;
  let f = Math.floor(q);
  const d = q - f;
  if (d > 0.5 || (d === 0.5 && f % 2 === 1)) f++;
  let r = f * ulp;
  const overflowAt = maxFinite + 2 ** (Math.floor(Math.log2(maxFinite)) - mant - 1);
  if (a >= overflowAt) r = Infinity;
  return x < 0 ? -r : r;
}
const refHalf = (x: number) => refRound(x, 10, -14, 65504);
const refBf16 = (x: number) => refRound(x, 7, -126, bfloat16BitsToFloat(0x7f7f));

function randomDouble(rng: () => number, minExp: number, maxExp: number): number {
  const e = minExp + Math.floor(rng() * (maxExp - minExp));
  const m = 1 + rng();
  // Add extra low bits so many values are not float32-representable (exercises double rounding).
  return (rng() < 0.5 ? -1 : 1) * m * 2 ** e;
}
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('float16', () => {
  it('encodes special values', () => {
    expect(floatToHalfBits(0)).toBe(0x0000);
    expect(floatToHalfBits(-0)).toBe(0x8000);
    expect(floatToHalfBits(1)).toBe(0x3c00);
    expect(floatToHalfBits(65504)).toBe(0x7bff);
    expect(floatToHalfBits(65519.99)).toBe(0x7bff);
    expect(floatToHalfBits(65520)).toBe(0x7c00);
    expect(floatToHalfBits(-65520)).toBe(0xfc00);
    expect(floatToHalfBits(Infinity)).toBe(0x7c00);
    expect(floatToHalfBits(-Infinity)).toBe(0xfc00);
    expect(floatToHalfBits(1e10)).toBe(0x7c00);
    expect(floatToHalfBits(2 ** -24)).toBe(0x0001);
    expect(floatToHalfBits(-(2 ** -24))).toBe(0x8001);
    expect(floatToHalfBits(2 ** -14)).toBe(0x0400);
    expect(floatToHalfBits(2 ** -14 - 2 ** -24)).toBe(0x03ff);
  });

  it('rounds to nearest even, including at the subnormal edge', () => {
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even (1)
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (1 + 2^-9)
    expect(halfBitsToFloat(0x3c02)).toBe(1 + 2 ** -9);
    expect(floatToHalfBits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(floatToHalfBits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24 -> 0
    expect(floatToHalfBits(2 ** -25 + 2 ** -40)).toBe(0x0001);
    expect(floatToHalfBits(3 * 2 ** -25)).toBe(0x0002); // tie -> even
    expect(floatToHalfBits(1e-10)).toBe(0x0000);
    expect(floatToHalfBits(-1e-10)).toBe(0x8000);
  });

  it('does not double-round doubles that sit just above a tie', () => {
    // Math.fround(x) === 1 + 2^-11 (an exact tie), but x itself is above it.
    const x = 1 + 2 ** -11 + 2 ** -40;
    expect(Math.fround(x)).toBe(1 + 2 ** -11);
    expect(floatToHalfBits(x)).toBe(0x3c01);
    expect(floatToBfloat16Bits(1 + 2 ** -8 + 2 ** -40)).toBe(0x3f81);
  });

  it('keeps NaN as a quiet NaN', () => {
    const h = floatToHalfBits(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x0200).toBe(0x0200);
    expect(halfBitsToFloat(h)).toBeNaN();
    expect(halfBitsToFloat(0x7c01)).toBeNaN(); // signalling half NaN still decodes to NaN
    expect(halfBitsToFloat(0x7c00)).toBe(Infinity);
    expect(halfBitsToFloat(0xfc00)).toBe(-Infinity);
    expect(Object.is(halfBitsToFloat(0x8000), -0)).toBe(true);
    expect(halfBitsToFloat(0x0001)).toBe(2 ** -24);
    expect(halfBitsToFloat(0x7bff)).toBe(65504);
  });

  it('round-trips all 65536 bit patterns exactly (NaNs stay NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const f = fromFloat16Array(all);
    const back = toFloat16Array(f);
    for (let i = 0; i < 65536; i++) {
      const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (isNaN) {
        expect(Number.isNaN(f[i])).toBe(true);
        expect(back[i]! & 0x7e00).toBe(0x7e00);
      } else {
        if (back[i] !== i) expect([i, back[i]]).toEqual([i, i]);
        if (!Object.is(halfBitsToFloat(i), f[i])) expect([i, halfBitsToFloat(i)]).toEqual([i, f[i]]);
        if (floatToHalfBits(f[i]!) !== i) expect([i, floatToHalfBits(f[i]!)]).toEqual([i, i]);
      }
    }
  });

  it('matches an exact reference on random doubles', () => {
    const rng = mulberry32(1);
    for (let k = 0; k < 50000; k++) {
      const x = randomDouble(rng, -27, 17);
      const got = halfBitsToFloat(floatToHalfBits(x));
      if (!Object.is(got, refHalf(x))) expect([x, got]).toEqual([x, refHalf(x)]);
    }
  });

  it('array helpers agree with scalar helpers for plain arrays and Float32Array', () => {
    const xs = [0, -0, 1, -2.5, 65504, 65520, 2 ** -24, 1 + 2 ** -11, 0.1, NaN, Infinity, -Infinity];
    const fromPlain = toFloat16Array(xs);
    const fromF32 = toFloat16Array(new Float32Array(xs));
    expect(Array.from(fromPlain)).toEqual(xs.map(floatToHalfBits));
    expect(Array.from(fromF32)).toEqual(Array.from(fromPlain));
    // A Float32Array subarray with a byteOffset is read correctly.
    const big = new Float32Array([9, 9, 1, 2]);
    expect(Array.from(toFloat16Array(big.subarray(2)))).toEqual([0x3c00, 0x4000]);
  });
});

describe('bfloat16', () => {
  it('encodes and decodes basic and special values', () => {
    expect(floatToBfloat16Bits(1)).toBe(0x3f80);
    expect(floatToBfloat16Bits(-2)).toBe(0xc000);
    expect(floatToBfloat16Bits(0)).toBe(0x0000);
    expect(floatToBfloat16Bits(-0)).toBe(0x8000);
    expect(floatToBfloat16Bits(Infinity)).toBe(0x7f80);
    expect(floatToBfloat16Bits(-Infinity)).toBe(0xff80);
    expect(floatToBfloat16Bits(3.4028234663852886e38)).toBe(0x7f80); // FLT_MAX rounds up to Infinity
    expect(floatToBfloat16Bits(1e39)).toBe(0x7f80);
    expect(bfloat16BitsToFloat(0x3f80)).toBe(1);
    expect(Object.is(bfloat16BitsToFloat(0x8000), -0)).toBe(true);
    expect(bfloat16BitsToFloat(0x0001)).toBe(2 ** -133); // smallest subnormal
  });

  it('rounds to nearest even', () => {
    expect(floatToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(floatToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie -> even
    expect(floatToBfloat16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81);
    expect(floatToBfloat16Bits(1 + 2 ** -9)).toBe(0x3f80);
    expect(bfloat16BitsToFloat(floatToBfloat16Bits(Math.PI))).toBe(3.140625);
  });

  it('keeps NaN as NaN', () => {
    const b = floatToBfloat16Bits(NaN);
    expect(b & 0x7f80).toBe(0x7f80);
    expect(b & 0x7f).not.toBe(0);
    expect(bfloat16BitsToFloat(b)).toBeNaN();
    expect(bfloat16BitsToFloat(0x7f81)).toBeNaN();
  });

  it('matches an exact reference on random doubles', () => {
    const rng = mulberry32(2);
    for (let k = 0; k < 50000; k++) {
      const x = randomDouble(rng, -140, 129);
      const got = bfloat16BitsToFloat(floatToBfloat16Bits(x));
      if (!Object.is(got, refBf16(x))) expect([x, got]).toEqual([x, refBf16(x)]);
    }
  });

  it('array helpers round-trip', () => {
    const xs = [1, -2, 0.5, 256, NaN];
    const bits = toBfloat16Array(xs);
    expect(Array.from(bits)).toEqual(xs.map(floatToBfloat16Bits));
    expect(Array.from(toBfloat16Array(new Float32Array(xs)))).toEqual(Array.from(bits));
    const back = fromBfloat16Array(bits);
    expect(Array.from(back.subarray(0, 4))).toEqual([1, -2, 0.5, 256]);
    expect(back[4]).toBeNaN();
  });
});

describe('dtypes', () => {
  it('table is frozen and complete', () => {
    expect(Object.isFrozen(DTYPES)).toBe(true);
    expect(Object.keys(DTYPES).sort()).toEqual([...ALL].sort());
    for (const d of ALL) {
      expect(Object.isFrozen(DTYPES[d])).toBe(true);
      expect(DTYPES[d].bytesPerElement).toBe(DTYPES[d].typedArray.BYTES_PER_ELEMENT);
    }
    expect(DTYPES.float16.typedArray).toBe(Uint16Array);
    expect(DTYPES.bfloat16.typedArray).toBe(Uint16Array);
    expect(DTYPES.bool.typedArray).toBe(Uint8Array);
    expect(DTYPES.int64.typedArray).toBe(BigInt64Array);
    expect(ALL.map((d) => DTYPES[d].trtDataType)).toEqual([
      'kFLOAT', 'kHALF', 'kBF16', 'kINT8', 'kUINT8', 'kINT32', 'kINT64', 'kBOOL',
    ]);
  });

  it('isDType', () => {
    for (const d of ALL) expect(isDType(d)).toBe(true);
    for (const x of ['float64', 'toString', 'constructor', '', 1, null, undefined]) expect(isDType(x)).toBe(false);
  });

  it('dtypeFromTypedArray', () => {
    expect(dtypeFromTypedArray(new Float32Array(1))).toBe('float32');
    expect(dtypeFromTypedArray(new Int8Array(1))).toBe('int8');
    expect(dtypeFromTypedArray(new Uint8Array(1))).toBe('uint8');
    expect(dtypeFromTypedArray(Buffer.from('x'))).toBe('uint8');
    expect(dtypeFromTypedArray(new Int32Array(1))).toBe('int32');
    expect(dtypeFromTypedArray(new BigInt64Array(1))).toBe('int64');
    expect(() => dtypeFromTypedArray(new Uint16Array(1))).toThrow(TypeError);
    expect(() => dtypeFromTypedArray(new Uint16Array(1))).toThrow(/'float16' or 'bfloat16'/);
    expect(() => dtypeFromTypedArray(new Float64Array(1))).toThrow(/Float64Array/);
    expect(() => dtypeFromTypedArray([1, 2])).toThrow(/Array/);
    expect(() => dtypeFromTypedArray(new DataView(new ArrayBuffer(1)))).toThrow(/DataView/);
  });
});

describe('Tensor.from', () => {
  it('keeps a matching typed array without copying', () => {
    const cases: [DType, ArrayBufferView][] = [
      ['float32', new Float32Array(6)],
      ['float16', new Uint16Array(6)],
      ['bfloat16', new Uint16Array(6)],
      ['int8', new Int8Array(6)],
      ['uint8', new Uint8Array(6)],
      ['int32', new Int32Array(6)],
      ['int64', new BigInt64Array(6)],
      ['bool', new Uint8Array(6)],
    ];
    for (const [dtype, arr] of cases) {
      const t = Tensor.from(dtype, arr as never, [2, 3]);
      expect(t.data).toBe(arr);
      expect(t.dtype).toBe(dtype);
      expect(t.dims).toEqual([2, 3]);
      expect(t.size).toBe(6);
      expect(t.byteLength).toBe(6 * DTYPES[dtype].bytesPerElement);
    }
  });

  it('defaults dims to [length] and copies/freezes dims', () => {
    const dims = [3];
    const t = Tensor.from('float32', [1, 2, 3], dims);
    dims[0] = 99;
    expect(t.dims).toEqual([3]);
    expect(Object.isFrozen(t.dims)).toBe(true);
    expect(Tensor.from('int32', [1, 2]).dims).toEqual([2]);
  });

  it('converts plain arrays for every dtype', () => {
    const f32 = Tensor.from('float32', [1.5, -2]);
    expect(f32.data).toBeInstanceOf(Float32Array);
    expect(Array.from(f32.data)).toEqual([1.5, -2]);

    const f16 = Tensor.from('float16', [1, 65504, 1 + 2 ** -11]);
    expect(f16.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(f16.data)).toEqual([0x3c00, 0x7bff, 0x3c00]);

    const bf16 = Tensor.from('bfloat16', [1, -2]);
    expect(Array.from(bf16.data)).toEqual([0x3f80, 0xc000]);

    expect(Array.from(Tensor.from('int8', [-128, 127]).data)).toEqual([-128, 127]);
    expect(Array.from(Tensor.from('uint8', [0, 255]).data)).toEqual([0, 255]);
    expect(Array.from(Tensor.from('int32', [-(2 ** 31), 2 ** 31 - 1]).data)).toEqual([-(2 ** 31), 2 ** 31 - 1]);

    const i64 = Tensor.from('int64', [1, -2n, Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n]);
    expect(i64.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(i64.data)).toEqual([1n, -2n, BigInt(Number.MAX_SAFE_INTEGER), 2n ** 63n - 1n]);

    const b = Tensor.from('bool', [true, false, 1, 0]);
    expect(b.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(b.data)).toEqual([1, 0, 1, 0]);
  });

  it('rejects bad int64 elements with the index', () => {
    expect(() => Tensor.from('int64', [1, 1.5])).toThrow(RangeError);
    expect(() => Tensor.from('int64', [1, 1.5])).toThrow(/index 1.*1\.5/);
    expect(() => Tensor.from('int64', [0, 0, 2 ** 53])).toThrow(/index 2.*not a safe integer/);
    expect(() => Tensor.from('int64', [NaN])).toThrow(/index 0/);
    expect(() => Tensor.from('int64', [2n ** 63n])).toThrow(RangeError);
    expect(() => Tensor.from('int64', ['1' as never])).toThrow(TypeError);
  });

  it('rejects out-of-range, fractional and non-numeric elements', () => {
    expect(() => Tensor.from('int8', [128])).toThrow(/int8 element at index 0 is 128, outside \[-128, 127\]/);
    expect(() => Tensor.from('uint8', [0, -1])).toThrow(/index 1/);
    expect(() => Tensor.from('int32', [2 ** 31])).toThrow(RangeError);
    expect(() => Tensor.from('int32', [0.5])).toThrow(/not an integer/);
    expect(() => Tensor.from('float32', [1, '2' as never])).toThrow(/index 1.*string/);
    expect(() => Tensor.from('bool', [2 as never])).toThrow(/boolean or 0\/1/);
  });

  it('rejects mismatched typed arrays and unknown dtypes', () => {
    expect(() => Tensor.from('float16', new Float32Array(2) as never)).toThrow(TypeError);
    expect(() => Tensor.from('float16', new Float32Array(2) as never)).toThrow(/float16.*Uint16Array.*Float32Array/);
    expect(() => Tensor.from('float64' as DType, [1])).toThrow(/unknown dtype "float64"/);
    expect(() => Tensor.zeros('nope' as never, [1])).toThrow(TypeError);
  });
});

describe('Tensor validation', () => {
  it('rejects bad dims with index and value', () => {
    const data = new Float32Array(6);
    expect(() => new Tensor('float32', data, [2, -3])).toThrow(TypeError);
    expect(() => new Tensor('float32', data, [2, -3])).toThrow(/dim 1 .*-3/);
    expect(() => new Tensor('float32', data, [1.5, 4])).toThrow(/dim 0 .*1\.5/);
    expect(() => new Tensor('float32', data, [NaN])).toThrow(/dim 0 .*NaN/);
    expect(() => new Tensor('float32', data, [2 ** 53])).toThrow(/dim 0/);
    expect(() => new Tensor('float32', data, ['6' as never])).toThrow(/dim 0/);
    expect(() => new Tensor('float32', data, 6 as never)).toThrow(/dims must be an array/);
  });

  it('rejects element count mismatches', () => {
    expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow(RangeError);
    expect(() => new Tensor('float32', new Float32Array(5), [2, 3])).toThrow(
      'Tensor: dims [2,3] need 6 elements of float32, got 5',
    );
    // An empty (not detached) array is a count error, not "detached".
    expect(() => new Tensor('float32', new Float32Array(0), [2])).toThrow('need 2 elements of float32, got 0');
  });

  it('rejects data of the wrong type, naming both', () => {
    expect(() => new Tensor('int32', new Float32Array(2) as never)).toThrow(/int32.*Int32Array.*Float32Array/);
    expect(() => new Tensor('int64', [1, 2] as never)).toThrow(/BigInt64Array.*Array/);
    expect(() => new Tensor('bool', new Int8Array(1) as never)).toThrow(/bool.*Uint8Array.*Int8Array/);
  });

  it('rejects detached buffers', () => {
    const data = new Float32Array(4);
    detach(data.buffer);
    expect(() => new Tensor('float32', data, [4])).toThrow(TypeError);
    expect(() => new Tensor('float32', data, [4])).toThrow(/detached/);
    expect(() => new Tensor('float32', data)).toThrow(/detached/);
    const empty = new Int32Array(0);
    detach(empty.buffer);
    expect(() => new Tensor('int32', empty, [0])).toThrow(/detached/);
  });

  it('notices storage detached after construction', () => {
    const t = Tensor.from('float32', new Float32Array([1, 2]));
    detach(t.data.buffer as ArrayBuffer);
    expect(() => t.toFloat32()).toThrow(/detached/);
    expect(() => t.toArray()).toThrow(/detached/);
    expect(t.toString()).toContain('<detached>');
  });

  it('supports zero-size and scalar tensors', () => {
    for (const d of ALL) {
      const z = Tensor.zeros(d, [0, 3]);
      expect(z.size).toBe(0);
      expect(z.byteLength).toBe(0);
      expect(z.toFloat32().length).toBe(0);
      expect(z.toArray()).toEqual([]);
    }
    expect(Tensor.from('float32', []).dims).toEqual([0]);
    const s = Tensor.from('float32', [7], []);
    expect(s.size).toBe(1);
    expect(s.dims).toEqual([]);
  });
});

describe('Tensor methods', () => {
  it('toFloat32 on every dtype', () => {
    expect(Array.from(Tensor.from('float32', [1.5, -2]).toFloat32())).toEqual([1.5, -2]);
    expect(Array.from(Tensor.from('float16', [1.5, -2, 65520]).toFloat32())).toEqual([1.5, -2, Infinity]);
    expect(Array.from(Tensor.from('bfloat16', [1.5, -2]).toFloat32())).toEqual([1.5, -2]);
    expect(Array.from(Tensor.from('int8', [-128, 127]).toFloat32())).toEqual([-128, 127]);
    expect(Array.from(Tensor.from('uint8', [0, 255]).toFloat32())).toEqual([0, 255]);
    expect(Array.from(Tensor.from('int32', [-5, 1 << 20]).toFloat32())).toEqual([-5, 1 << 20]);
    expect(Array.from(Tensor.from('int64', [-3n, 2 ** 40]).toFloat32())).toEqual([-3, 2 ** 40]);
    expect(Array.from(Tensor.from('bool', [true, false]).toFloat32())).toEqual([1, 0]);
    expect(Array.from(Tensor.from('bool', new Uint8Array([7, 0])).toFloat32())).toEqual([1, 0]);
    expect(() => Tensor.from('int64', [0n, 2n ** 53n]).toFloat32()).toThrow(/index 1/);
    expect(() => Tensor.from('int64', [0n, 2n ** 53n]).toFloat32()).toThrow(RangeError);
  });

  it('toFloat32 returns a fresh array even for float32', () => {
    const t = Tensor.from('float32', [1, 2]);
    const f = t.toFloat32();
    expect(f).not.toBe(t.data);
    f[0] = 9;
    expect(t.data[0]).toBe(1);
  });

  it('toArray decodes per dtype', () => {
    expect(Tensor.from('float16', [0.5, -0]).toArray()).toEqual([0.5, -0]);
    expect(Tensor.from('bfloat16', [3]).toArray()).toEqual([3]);
    expect(Tensor.from('int64', [1, -2n]).toArray()).toEqual([1n, -2n]);
    expect(Tensor.from('bool', [true, false]).toArray()).toEqual([true, false]);
    expect(Tensor.from('int8', [-1]).toArray()).toEqual([-1]);
  });

  it('reshape shares data and validates', () => {
    const t = Tensor.from('int32', [1, 2, 3, 4, 5, 6], [2, 3]);
    const r = t.reshape([3, 2]);
    expect(r.data).toBe(t.data);
    expect(r.dims).toEqual([3, 2]);
    expect(t.dims).toEqual([2, 3]);
    expect(() => t.reshape([4, 2])).toThrow('Tensor: dims [4,2] need 8 elements of int32, got 6');
    expect(() => t.reshape([-1, 2])).toThrow(/dim 0/);
  });

  it('zeros', () => {
    const z = Tensor.zeros('int64', [2, 2]);
    expect(z.data).toBeInstanceOf(BigInt64Array);
    expect(z.toArray()).toEqual([0n, 0n, 0n, 0n]);
    expect(Tensor.zeros('bool', [2]).toArray()).toEqual([false, false]);
    expect(() => Tensor.zeros('float32', [-1])).toThrow(/Tensor\.zeros: dim 0/);
  });

  it('toString and inspect show dtype, dims and the first values', () => {
    const t = Tensor.from('float32', [1, 2, 3, 4, 5, 6], [2, 3]);
    expect(t.toString()).toBe('Tensor<float32>[2,3] [1, 2, 3, 4, 5, 6]');
    expect(inspect(t)).toBe(t.toString());
    const big = Tensor.zeros('float16', [100]);
    expect(big.toString()).toBe('Tensor<float16>[100] [0, 0, 0, 0, 0, 0, 0, 0, ... 92 more]');
    expect(Tensor.from('int64', [5n]).toString()).toBe('Tensor<int64>[1] [5]');
    expect(Tensor.from('bool', [true]).toString()).toBe('Tensor<bool>[1] [true]');
    expect(Tensor.from('float32', [0.1]).toString()).toBe('Tensor<float32>[1] [0.1]');
  });
});
