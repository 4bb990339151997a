// IEEE 754 binary16 ("half") and bfloat16 conversions on raw 16-bit patterns.
//
// Numbers are first narrowed to float32 with round-to-odd (sticky bit kept in the float32 LSB), then
// rounded to nearest-even into 16 bits. Round-to-odd into >= p+2 bits makes the double rounding exact,
// so results equal a direct correctly rounded double -> 16-bit conversion.

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** float32 bit pattern of x, rounded to odd so that a second rounding to fewer bits stays correct. */
function float32BitsRoundToOdd(x: number): number {
  F32[0] = x;
  const bits = U32[0]!;
  const r = F32[0]!;
  if (r !== x && x === x && (bits & 1) === 0) {
    // Inexact and even: step to the odd neighbour on x's side (bit patterns are sign-magnitude).
    return Math.abs(x) > Math.abs(r) ? bits + 1 : bits - 1;
  }
  return bits;
}

/** Half bits from float32 bits, round-to-nearest-even; NaN keeps sign and top payload, forced quiet. */
function float32BitsToHalfBits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const abs = bits & 0x7fffffff;
  if (abs >= 0x7f800000) {
    return abs > 0x7f800000 ? sign | 0x7e00 | ((abs >>> 13) & 0x3ff) : sign | 0x7c00;
  }
  if (abs >= 0x477ff000) return sign | 0x7c00; // >= 65520 (halfway above 65504, ties to even) -> Infinity
  if (abs < 0x38800000) {
    // Below 2^-14: half subnormal or zero. 2^-25 itself is a tie and rounds to even (zero).
    if (abs <= 0x33000000) return sign;
    const e = abs >>> 23;
    const m = (abs & 0x7fffff) | 0x800000;
    const shift = 126 - e; // 14..24
    let r = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (r & 1) === 1)) r++;
    return sign | r; // r may carry into 0x400, which encodes the smallest normal correctly
  }
  return sign | ((abs + 0xfff + ((abs >>> 13) & 1) - 0x38000000) >>> 13);
}

/** float32 bits from half bits (exact; subnormals normalised, NaN payload kept). */
function halfBitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  let e = (h >>> 10) & 0x1f;
  let m = h & 0x3ff;
  if (e === 0x1f) return (sign | 0x7f800000 | (m << 13)) >>> 0;
  if (e === 0) {
    if (m === 0) return sign >>> 0;
    e = 113;
    while ((m & 0x400) === 0) {
      m <<= 1;
      e--;
    }
    return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((e + 112) << 23) | (m << 13)) >>> 0;
}

/** bfloat16 bits from float32 bits, round-to-nearest-even; NaN stays a (quiet) NaN. */
function float32BitsToBfloat16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16; // no 2^32 overflow: only NaNs get that high
}

/** Converts a number to IEEE binary16 bits (round-to-nearest-even, overflow -> ±Infinity, NaN -> quiet NaN). */
export function floatToHalfBits(x: number): number {
  return float32BitsToHalfBits(float32BitsRoundToOdd(x));
}

/** Decodes IEEE binary16 bits (low 16 bits of the argument) to a number, exactly. */
export function halfBitsToFloat(bits: number): number {
  U32[0] = halfBitsToFloat32Bits(bits & 0xffff);
  return F32[0]!;
}

/** Converts a number to bfloat16 bits (round-to-nearest-even, NaN stays NaN). */
export function floatToBfloat16Bits(x: number): number {
  return float32BitsToBfloat16Bits(float32BitsRoundToOdd(x));
}

/** Decodes bfloat16 bits (low 16 bits of the argument) to a number, exactly. */
export function bfloat16BitsToFloat(bits: number): number {
  U32[0] = (bits & 0xffff) << 16;
  return F32[0]!;
}

/** Bit view over a Float32Array's elements (reads NaN payloads exactly); undefined for anything else. */
function float32Bits(src: ArrayLike<number>): Uint32Array | undefined {
  return src instanceof Float32Array ? new Uint32Array(src.buffer, src.byteOffset, src.length) : undefined;
}

/** Encodes numbers into a new Uint16Array of binary16 bits. */
export function toFloat16Array(src: ArrayLike<number>): Uint16Array {
  const n = src.length;
  const out = new Uint16Array(n);
  const bits = float32Bits(src);
  if (bits !== undefined) {
    for (let i = 0; i < n; i++) out[i] = float32BitsToHalfBits(bits[i]!);
  } else {
    for (let i = 0; i < n; i++) out[i] = float32BitsToHalfBits(float32BitsRoundToOdd(src[i]!));
  }
  return out;
}

/** Decodes binary16 bits into a new Float32Array (exact, NaN payloads kept). */
export function fromFloat16Array(src: Uint16Array): Float32Array {
  const n = src.length;
  const out = new Float32Array(n);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) outBits[i] = halfBitsToFloat32Bits(src[i]!);
  return out;
}

/** Encodes numbers into a new Uint16Array of bfloat16 bits. */
export function toBfloat16Array(src: ArrayLike<number>): Uint16Array {
  const n = src.length;
  const out = new Uint16Array(n);
  const bits = float32Bits(src);
  if (bits !== undefined) {
    for (let i = 0; i < n; i++) out[i] = float32BitsToBfloat16Bits(bits[i]!);
  } else {
    for (let i = 0; i < n; i++) out[i] = float32BitsToBfloat16Bits(float32BitsRoundToOdd(src[i]!));
  }
  return out;
}

/** Decodes bfloat16 bits into a new Float32Array (exact). */
export function fromBfloat16Array(src: Uint16Array): Float32Array {
  const n = src.length;
  const out = new Float32Array(n);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) outBits[i] = src[i]! << 16;
  return out;
}
