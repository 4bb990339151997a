// Proves the model generators and the ORT helper are right: every zoo model runs on
// onnxruntime CPU and matches an independent plain-JS computation.
import { describe, expect, it } from 'vitest';
import { type Comparison, compareOutputs, formatComparison, runOrt, type TensorMap } from '../helpers/ort.js';
import { getModel, MODEL_NAMES, type ModelName, resolveDims } from './index.js';
import { decodeModel, fromHalf, model, node, tensor, toHalf, valueInfo } from './onnx-builder.js';
import { rng } from './rng.js';

const f32 = (dims: number[], data: ArrayLike<number>) => ({ dtype: 'float32' as const, dims, data: Float32Array.from(data) });
const expectPass = (c: Comparison) => expect(c.pass, formatComparison(c)).toBe(true);
const w = (model: ModelName, name: string) => getModel(model).weights[name]!.data as Float32Array;

// erf via Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7, far below our tolerances)
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

describe('zoo: every model loads in onnxruntime and has the declared outputs', () => {
  for (const name of MODEL_NAMES) {
    it(name, async () => {
      const m = getModel(name);
      const feeds = m.makeFeeds();
      for (const [input, spec] of Object.entries(m.inputs)) {
        expect(feeds[input].dtype).toBe(spec.dtype);
        expect(feeds[input].dims).toEqual(resolveDims(spec.dims));
      }
      const out = await runOrt(m.onnx, feeds);
      expect(Object.keys(out).sort()).toEqual([...m.outputs].sort());
    });
  }
});

describe('mlp', () => {
  it.each([1, 3, 7])('batch %i matches JS Gemm -> Relu -> Gemm(alpha 0.5)', async (batch) => {
    const m = getModel('mlp');
    const feeds = m.makeFeeds({ batch, seed: batch });
    const out = await runOrt(m.onnx, feeds);
    expect(out.y.dims).toEqual([batch, 8]);
    const x = feeds.x.data as Float32Array;
    const [w1, b1, w2, b2] = ['w1', 'b1', 'w2', 'b2'].map((n) => w('mlp', n));
    const y: number[] = [];
    for (let b = 0; b < batch; b++) {
      const h = Array.from({ length: 32 }, (_, k) => {
        let s = b1[k];
        for (let i = 0; i < 16; i++) s += x[b * 16 + i] * w1[k * 16 + i]; // transB=1
        return Math.max(0, s);
      });
      for (let j = 0; j < 8; j++) {
        let s = 0;
        for (let k = 0; k < 32; k++) s += h[k] * w2[k * 8 + j];
        y.push(0.5 * s + b2[j]);
      }
    }
    expectPass(compareOutputs(out, { y: f32([batch, 8], y) }, { atol: 1e-5, rtol: 1e-5 }));
  });
});

describe('embedding', () => {
  it.each([[1, 1], [2, 5], [3, 9]])('batch %i seq %i matches JS Gather -> LayerNorm -> MatMul -> Gelu -> mean', async (batch, seq) => {
    const m = getModel('embedding');
    const feeds = m.makeFeeds({ batch, seq });
    const out = await runOrt(m.onnx, feeds);
    expect(out.hidden.dims).toEqual([batch, seq, 16]);
    expect(out.pooled.dims).toEqual([batch, 16]);
    const ids = feeds.input_ids.data as BigInt64Array;
    const [table, scale, bias, proj] = ['table', 'ln_scale', 'ln_bias', 'proj'].map((n) => w('embedding', n));
    const hidden: number[] = [];
    const pooled = new Array<number>(batch * 16).fill(0);
    for (let t = 0; t < batch * seq; t++) {
      const e = Array.from(table.subarray(Number(ids[t]) * 16, Number(ids[t]) * 16 + 16));
      const mean = e.reduce((a, v) => a + v, 0) / 16;
      const variance = e.reduce((a, v) => a + (v - mean) ** 2, 0) / 16;
      const ln = e.map((v, i) => ((v - mean) / Math.sqrt(variance + 1e-5)) * scale[i] + bias[i]);
      for (let j = 0; j < 16; j++) {
        let mm = 0;
        for (let i = 0; i < 16; i++) mm += ln[i] * proj[i * 16 + j];
        const g = 0.5 * mm * (1 + erf(mm / Math.SQRT2));
        hidden.push(g);
        pooled[Math.floor(t / seq) * 16 + j] += g / seq;
      }
    }
    expectPass(compareOutputs(out, { hidden: f32([batch, seq, 16], hidden), pooled: f32([batch, 16], pooled) }, { atol: 1e-5, rtol: 1e-4 }));
  });
});

describe('int64_bool', () => {
  it.each([
    [1, 1, 0],
    [2, 6, 0],
    [4, 3, 0],
    [3, 7, 1], // ids beyond the int32 range
  ])('batch %i n %i large %i matches JS Where / Cast+ReduceSum / Greater exactly', async (batch, n, large) => {
    const m = getModel('int64_bool');
    const feeds = m.makeFeeds({ batch, n, large });
    const ids = feeds.ids.data as BigInt64Array;
    const mask = feeds.mask.data as Uint8Array;
    if (large) expect(ids.some((v) => v > 2n ** 31n || v < -(2n ** 31n))).toBe(true);
    const out = await runOrt(m.onnx, feeds);
    expect(out.masked_ids.data).toBeInstanceOf(BigInt64Array);
    expect(out.count.data).toBeInstanceOf(BigInt64Array);
    expect(out.any_big.data).toBeInstanceOf(Uint8Array); // ORT returns bool as 0/1 bytes
    const count = new BigInt64Array(batch);
    ids.forEach((_, i) => { if (mask[i]) count[Math.floor(i / n)]++; });
    const expected: TensorMap = {
      masked_ids: { dtype: 'int64', dims: [batch, n], data: ids.map((v, i) => (mask[i] ? v : -1n)) },
      count: { dtype: 'int64', dims: [batch], data: count },
      any_big: { dtype: 'bool', dims: [batch, n], data: Uint8Array.from(ids, (v) => (v > 100n ? 1 : 0)) },
    };
    expectPass(compareOutputs(out, expected, { atol: 0, rtol: 0 }));
  });
});

describe('tiny_add', () => {
  it('adds the constant', async () => {
    const m = getModel('tiny_add');
    const feeds = m.makeFeeds();
    const out = await runOrt(m.onnx, feeds);
    const a = feeds.a.data as Float32Array;
    const b = w('tiny_add', 'b');
    // float32 add is exact against the float32-rounded JS sum
    expectPass(compareOutputs(out, { c: f32([1, 4], a.map((v, i) => v + b[i])) }, { atol: 0, rtol: 0 }));
  });
});

describe('softmax_transpose', () => {
  it.each([1, 4, 11])('n %i matches JS Transpose -> Softmax -> Reshape', async (n) => {
    const m = getModel('softmax_transpose');
    const feeds = m.makeFeeds({ n });
    const out = await runOrt(m.onnx, feeds);
    expect(out.y.dims).toEqual([2, 8 * n]);
    const x = feeds.x.data as Float32Array;
    const y: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < 8; j++) {
        const row = Array.from({ length: n }, (_, i) => x[(b * n + i) * 8 + j]); // xt[b, j, :]
        const mx = Math.max(...row);
        const ex = row.map((v) => Math.exp(v - mx));
        const sum = ex.reduce((a, v) => a + v, 0);
        y.push(...ex.map((v) => v / sum));
      }
    }
    expectPass(compareOutputs(out, { y: f32([2, 8 * n], y) }, { atol: 1e-6, rtol: 1e-5 }));
  });
});

describe('gelu20', () => {
  it.each([1, 5])('batch %i matches JS tanh-Gelu and MatMul', async (batch) => {
    const m = getModel('gelu20');
    const feeds = m.makeFeeds({ batch });
    const out = await runOrt(m.onnx, feeds);
    const x = feeds.x.data as Float32Array;
    const wt = w('gelu20', 'w');
    const y = Array.from(x, (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))));
    const z: number[] = [];
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < 4; j++) {
        let s = 0;
        for (let k = 0; k < 8; k++) s += y[b * 8 + k] * wt[k * 4 + j];
        z.push(s);
      }
    }
    expectPass(compareOutputs(out, { y: f32([batch, 8], y), z: f32([batch, 4], z) }, { atol: 1e-5, rtol: 1e-5 }));
  });
});

describe('nonzero', () => {
  it.each([[1, 1, 0], [2, 6, 0], [3, 4, 1]])('batch %i n %i (negative %i) matches JS Relu -> NonZero', async (batch, n, negative) => {
    const m = getModel('nonzero');
    const feeds = m.makeFeeds({ batch, n, negative });
    const out = await runOrt(m.onnx, feeds);
    const x = feeds.x.data as Float32Array;
    const rows: bigint[] = [];
    const cols: bigint[] = [];
    x.forEach((v, i) => {
      if (v > 0) {
        rows.push(BigInt(Math.floor(i / n)));
        cols.push(BigInt(i % n));
      }
    });
    expect(out.r.data).toEqual(x.map((v) => Math.max(v, 0)));
    expect(out.idx.dims).toEqual([2, rows.length]);
    expect(Array.from(out.idx.data as BigInt64Array)).toEqual([...rows, ...cols]);
    if (negative) expect(rows.length).toBe(0);
  });
});

describe('onnx-builder', () => {
  it('names nodes and picks attribute kinds', () => {
    // decoded protobufjs messages type every field as optional, hence the `!`s
    const g = decodeModel(getModel('mlp').onnx).graph!;
    const nodes = g.node!;
    expect(nodes.map((n) => n.name)).toEqual(['Gemm_0', 'Relu_1', 'Gemm_2']);
    const alpha = nodes[2]!.attribute!.find((a) => a.name === 'alpha')!;
    expect([alpha.type, alpha.f]).toEqual([1 /* FLOAT */, 0.5]);
    expect(nodes[0]!.attribute![0]!.type).toBe(2 /* INT */);
    expect(g.input![0]!.type!.tensorType!.shape!.dim![0]!.dimParam).toBe('batch');

    const e = decodeModel(getModel('embedding').onnx).graph!;
    const ln = e.node!.find((n) => n.opType === 'LayerNormalization')!;
    expect(ln.attribute!.map((a) => [a.name, a.type])).toEqual([['axis', 2], ['epsilon', 1]]);
    const gelu = decodeModel(getModel('gelu20').onnx);
    expect(Number(gelu.opsetImport[0]!.version)).toBe(20); // int64 fields decode as Long objects
    expect(gelu.graph!.node![0]!.attribute![0]!.type).toBe(3 /* STRING */);
  });

  it('converts float16 and runs a float16 model on ORT', async () => {
    for (const v of [0, 1, -2.5, 65504, 1e-7, 0.1]) expect(Math.abs(fromHalf(toHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(Infinity)).toBe(0x7c00);
    const bytes = model({
      inputs: [valueInfo('a', 'float16', [3])],
      outputs: [valueInfo('c', 'float16', [3])],
      initializers: [tensor('b', 'float16', [3], [0.5, 1, -4])],
      nodes: [node('Add', ['a', 'b'], ['c'])],
    });
    const a = Uint16Array.from([1, 2, 3], toHalf);
    const out = await runOrt(bytes, { a: { dtype: 'float16', dims: [3], data: a } });
    expect(Array.from(out.c.data as Uint16Array, fromHalf)).toEqual([1.5, 3, -1]);
  });

  it('feeds are deterministic per seed', () => {
    const m = getModel('mlp');
    expect(m.makeFeeds({ seed: 9 }).x.data).toEqual(m.makeFeeds({ seed: 9 }).x.data);
    expect(rng(1).uniform(4)).toEqual(rng(1).uniform(4));
    expect(rng(1).uniform(4)).not.toEqual(rng(2).uniform(4));
  });
});

describe('compareOutputs', () => {
  it('uses the allclose rule and reports the worst element', () => {
    const e = { y: f32([2, 2], [1, 2, 100, 0]) };
    const ok = compareOutputs({ y: f32([2, 2], [1.00001, 2, 100.01, 0]) }, e, { atol: 1e-4, rtol: 1e-4 });
    expect(ok.pass).toBe(true);
    const bad = compareOutputs({ y: f32([2, 2], [1, 2.5, 100, 0]) }, e, { atol: 1e-4, rtol: 1e-4 });
    expect(bad.pass).toBe(false);
    expect(bad.outputs.y.mismatches).toBe(1);
    expect(bad.outputs.y.worst).toMatchObject({ index: 1, coords: [0, 1], actual: 2.5, expected: 2, absErr: 0.5, relErr: 0.25 });
    expect(formatComparison(bad)).toContain('worst at [0,1]');
  });

  it('requires exact integers / bools, equal shapes and all outputs', () => {
    const i64 = (v: bigint[]) => ({ dtype: 'int64' as const, dims: [v.length], data: BigInt64Array.from(v) });
    expect(compareOutputs({ a: i64([1n, 2n]) }, { a: i64([1n, 2n]) }, { atol: 10 }).pass).toBe(true);
    const off = compareOutputs({ a: i64([1n, 3n]) }, { a: i64([1n, 2n]) }, { atol: 10, rtol: 10 });
    expect(off.outputs.a.worst).toMatchObject({ index: 1, actual: 3n, expected: 2n });
    const bool = (v: number[]) => ({ dtype: 'bool' as const, dims: [v.length], data: Uint8Array.from(v) });
    expect(compareOutputs({ m: bool([1, 0]) }, { m: bool([1, 1]) }, { atol: 1 }).pass).toBe(false);
    expect(compareOutputs({ y: f32([4], [1, 2, 3, 4]) }, { y: f32([2, 2], [1, 2, 3, 4]) }).outputs.y.error).toMatch(/shape/);
    expect(compareOutputs({}, { y: f32([1], [1]) }).outputs.y.error).toBe('missing output');
    expect(compareOutputs({ y: f32([1], [NaN]) }, { y: f32([1], [NaN]) }).pass).toBe(true);
    expect(compareOutputs({ y: f32([1], [NaN]) }, { y: f32([1], [0]) }).pass).toBe(false);
  });
});
