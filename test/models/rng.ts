// Seeded deterministic PRNG (mulberry32) so weights and feeds are identical on every run
// and on every machine: test failures must be reproducible.

export class Rng {
  private state: number;

  constructor(seed = 1) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** n floats uniform in [lo, hi). */
  uniform(n: number, lo = -1, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }

  /** One integer uniform in [lo, hi) (hi exclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** n int32 values uniform in [lo, hi). */
  ints(n: number, lo: number, hi: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(lo, hi);
    return out;
  }

  /** n int64 values uniform in [lo, hi); bounds may exceed the int32 range (up to 2^53). */
  int64s(n: number, lo: number, hi: number): BigInt64Array {
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(this.int(lo, hi));
    return out;
  }

  /** n bools as 0/1 bytes (the layout ONNX and onnxruntime use), true with probability p. */
  bools(n: number, p = 0.5): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() < p ? 1 : 0;
    return out;
  }
}

export const rng = (seed = 1): Rng => new Rng(seed);
