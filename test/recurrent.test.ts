// LSTM, GRU and RNN beyond one case each (operators.test.ts has those): dynamic sequence lengths and batches through
// one profile, sequence lengths onnxruntime refuses (0, beyond the sequence) computed as TensorRT's masks do, and
// what TensorRT's parser would compute differently from ONNX, refused at build time with the node named.
// Results are checked against onnxruntime-node (FP32_TOLERANCE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import { expectLikeOrt, runOrt } from './helpers/ort.js';
import { floatAttr, floatsAttr, model, node, tensor, valueInfo } from './models/onnx-builder.js';
import type { AttrValue, DType, Dim } from './models/onnx-builder.js';
import { rng } from './models/rng.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

const GATES = { LSTM: 4, GRU: 3, RNN: 1 } as const;
type Cell = keyof typeof GATES;

interface RecurrentModel {
  cell: Cell;
  hidden: number;
  inputSize: number;
  directions?: 1 | 2;
  attrs?: Record<string, AttrValue>;
  /** X's declared extents (names for dynamic ones). */
  x?: Dim[];
  dtype?: DType;
  /** Graph inputs sequence_lens and initial_h. */
  withLengths?: boolean;
  withInitialState?: boolean;
}

/** One recurrent node over graph input x, weights within ±0.5 as initializers; outputs y and y_h. */
function recurrentModel(m: RecurrentModel): Uint8Array {
  const d = m.directions ?? 1;
  const gh = GATES[m.cell] * m.hidden;
  const r = rng(7);
  const weights = (name: string, dims: number[]) => tensor(name, 'float32', dims, r.uniform(dims.reduce((a, b) => a * b, 1), -0.5, 0.5));
  const x = m.x ?? ['seq', 'batch', m.inputSize];
  const inputs = [valueInfo('x', m.dtype ?? 'float32', x)];
  if (m.withLengths) inputs.push(valueInfo('lens', 'int32', [x[1]!]));
  if (m.withInitialState) inputs.push(valueInfo('h0', 'float32', [d, x[1]!, m.hidden]));
  return model({
    inputs,
    outputs: [valueInfo('y', 'float32', [x[0]!, d, x[1]!, m.hidden]), valueInfo('y_h', 'float32', [d, x[1]!, m.hidden])],
    initializers: [weights('W', [d, gh, m.inputSize]), weights('R', [d, gh, m.hidden]), weights('B', [d, 2 * gh])],
    nodes: [
      node(m.cell, ['x', 'W', 'R', 'B', m.withLengths ? 'lens' : '', m.withInitialState ? 'h0' : ''], ['y', 'y_h'], {
        hidden_size: m.hidden,
        ...(d === 2 ? { direction: 'bidirectional' } : {}),
        ...m.attrs,
      }, 'the_rnn'),
    ],
  });
}

const floats = (dims: number[], seed: number) => Tensor.from('float32', rng(seed).uniform(dims.reduce((a, b) => a * b, 1), -2, 2), dims);

describe('recurrent ops over dynamic sequences and batches', () => {
  it.each(['LSTM', 'GRU', 'RNN'] as const)('%s: one engine runs sequences of 1 to 7 steps and batches of 1 to 3, like onnxruntime', async (cell) => {
    const onnx = recurrentModel({ cell, hidden: 3, inputSize: 2, directions: 2, withLengths: true, withInitialState: true });
    const profiles = [{ x: { min: [1, 1, 2], opt: [4, 2, 2], max: [8, 4, 2] }, lens: { min: [1], opt: [2], max: [4] }, h0: { min: [2, 1, 3], opt: [2, 2, 3], max: [2, 4, 3] } }];
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles }));
    using context = engine.createContext();
    for (const [seq, batch, lengths] of [[1, 1, [1]], [7, 3, [7, 2, 5]], [4, 2, [1, 4]]] as const) {
      const feeds = { x: floats([seq, batch, 2], seq * 10 + batch), lens: Tensor.from('int32', Int32Array.from(lengths), [batch]), h0: floats([2, batch, 3], seq + batch) };
      const result = await context.run(feeds);
      expect(result.y!.dims).toEqual([seq, 2, batch, 3]);
      await expectLikeOrt(onnx, feeds, result);
    }
  });
});

describe("sequence lengths where onnxruntime differs or refuses, computed as TensorRT's masks do", () => {
  // The parser's loop keeps a batch entry's state while the step's time index is not below its length, and zeroes
  // its Y there: a length of 0 (or less) leaves the initial state, one beyond the sequence runs every step.
  // onnxruntime gives a Y_h of 0 for a length of 0, and refuses negative lengths and lengths beyond the sequence.
  it.each(['LSTM', 'GRU', 'RNN'] as const)('%s: lengths 0 and -4 keep initial_h and zero Y; length 9 of 3 steps equals length 3', async (cell) => {
    const onnx = recurrentModel({ cell, hidden: 2, inputSize: 2, directions: 2, x: [3, 3, 2], withLengths: true, withInitialState: true });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using context = engine.createContext();
    const x = floats([3, 3, 2], 11);
    const h0 = floats([2, 3, 2], 12);
    const ours = await context.run({ x, lens: Tensor.from('int32', Int32Array.of(0, 9, -4), [3]), h0 });
    const asData = (t: Tensor) => ({ dtype: 'float32' as const, dims: [...t.dims], data: t.data as Float32Array });
    const reference = await runOrt(onnx, { x: asData(x), lens: { dtype: 'int32', dims: [3], data: Int32Array.of(3, 3, 3) }, h0: asData(h0) });
    const yh = ours.y_h!.data as Float32Array;
    const h0Data = h0.data as Float32Array;
    const refY = reference.y!.data as Float32Array;
    const refYh = reference.y_h!.data as Float32Array;
    const y = ours.y!.data as Float32Array;
    // Y [3 steps, 2 directions, 3 entries, 2], Y_h [2 directions, 3 entries, 2]: entries 0 and 2 never step.
    for (let dir = 0; dir < 2; ++dir) {
      for (const entry of [0, 2]) {
        const at = (dir * 3 + entry) * 2;
        expect(Array.from(yh.subarray(at, at + 2))).toEqual(Array.from(h0Data.subarray(at, at + 2)));
        for (let t = 0; t < 3; ++t) expect(Array.from(y.subarray(((t * 2 + dir) * 3 + entry) * 2, ((t * 2 + dir) * 3 + entry) * 2 + 2))).toEqual([0, 0]);
      }
      const at = (dir * 3 + 1) * 2;
      for (let k = 0; k < 2; ++k) expect(yh[at + k]).toBeCloseTo(refYh[at + k]!, 5);
      for (let t = 0; t < 3; ++t) {
        const row = ((t * 2 + dir) * 3 + 1) * 2;
        for (let k = 0; k < 2; ++k) expect(y[row + k]).toBeCloseTo(refY[row + k]!, 5);
      }
    }
  });
});

describe('LSTM clip, as TensorRT\'s parser builds it', () => {
  it('bounds the cell state where it enters h, not in the recurrence (onnxruntime clips only the gates)', async () => {
    // Zero weights: every gate is sigmoid(0) = 0.5 and the candidate tanh(0) = 0, so C(1) = 0.5 * c0 = 2 and
    // C(2) = 1. H = 0.5 * tanh(clip(C)): with clip 1.5, tanh(1.5) then tanh(1) (onnxruntime gives tanh(2) then tanh(1)).
    const onnx = model({
      inputs: [valueInfo('x', 'float32', [2, 1, 1]), valueInfo('c0', 'float32', [1, 1, 1])],
      outputs: [valueInfo('y', 'float32', [2, 1, 1, 1]), valueInfo('y_h', 'float32', [1, 1, 1]), valueInfo('y_c', 'float32', [1, 1, 1])],
      initializers: [tensor('W', 'float32', [1, 4, 1], new Float32Array(4)), tensor('R', 'float32', [1, 4, 1], new Float32Array(4))],
      nodes: [node('LSTM', ['x', 'W', 'R', '', '', '', 'c0'], ['y', 'y_h', 'y_c'], { hidden_size: 1, clip: floatAttr(1.5) }, 'the_rnn')],
    });
    using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator' }));
    using context = engine.createContext();
    const result = await context.run({ x: Tensor.from('float32', Float32Array.of(3, -3), [2, 1, 1]), c0: Tensor.from('float32', Float32Array.of(4), [1, 1, 1]) });
    const y = Array.from(result.y!.data as Float32Array);
    expect(y[0]).toBeCloseTo(0.5 * Math.tanh(1.5), 6);
    expect(y[1]).toBeCloseTo(0.5 * Math.tanh(1), 6);
    expect(Array.from(result.y_c!.data as Float32Array)).toEqual([1]);
  });
});

describe("what TensorRT's parser would compute differently is refused at build time, naming the node", () => {
  async function buildError(onnx: Uint8Array): Promise<string> {
    const e = await buildEngine(onnx, { backend: 'simulator' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BuildFailedError);
    const error = e as BuildFailedError;
    return [error.message, ...error.details].join('\n');
  }
  const fixed: Dim[] = [3, 2, 2];

  it.each([
    ['layout 1', recurrentModel({ cell: 'LSTM', hidden: 2, inputSize: 2, x: fixed, attrs: { layout: 1 } }),
      /LSTM: layout 1 \(\[batch, seq, \.\.\.\]\) is not modelled: TensorRT's parser reads X as \[seq_length, batch_size, input_size\] whatever layout says/],
    ['input_forget', recurrentModel({ cell: 'LSTM', hidden: 2, inputSize: 2, x: fixed, attrs: { input_forget: 1 } }),
      /input_forget is not modelled: TensorRT's parser does not couple the input and forget gates/],
    ['a reverse direction with its own activations', recurrentModel({ cell: 'LSTM', hidden: 2, inputSize: 2, directions: 2, x: fixed, attrs: { activations: ['Sigmoid', 'Tanh', 'Tanh', 'Sigmoid', 'Relu', 'Tanh'] } }),
      /the reverse direction's activation 1 Relu differs from the forward's Tanh: TensorRT's parser applies the forward direction's activations to both/],
    ['a reverse direction with another alpha', recurrentModel({ cell: 'RNN', hidden: 2, inputSize: 2, directions: 2, x: fixed, attrs: { activations: ['LeakyRelu', 'LeakyRelu'], activation_alpha: floatsAttr([0.1, 0.3]) } }),
      /the reverse direction's activation 0 LeakyRelu\(alpha 0.3\) differs from the forward's LeakyRelu\(alpha 0.1\)/],
    ['GRU alphas the parser hands to another function', recurrentModel({ cell: 'GRU', hidden: 2, inputSize: 2, x: fixed, attrs: { activations: ['Sigmoid', 'LeakyRelu'], activation_alpha: floatsAttr([0.1]) } }),
      /GRU: activation 1 is LeakyRelu\(alpha 0.1\) in ONNX, but TensorRT's parser gives the k-th activation_alpha and activation_beta to the k-th function and would compute LeakyRelu\(alpha 0.01\): not modelled/],
    ['an activation the parser does not map', recurrentModel({ cell: 'RNN', hidden: 2, inputSize: 2, x: fixed, attrs: { activations: ['Affine'] } }),
      /RNN: Unknown activation type: Affine \(TensorRT's parser maps Relu, Tanh, Sigmoid/],
    ['too few activations for two directions', recurrentModel({ cell: 'GRU', hidden: 2, inputSize: 2, directions: 2, x: fixed, attrs: { activations: ['Sigmoid', 'Tanh'] } }),
      /GRU: activations lists 2 functions; bidirectional takes 4/],
    ['float16 data', recurrentModel({ cell: 'LSTM', hidden: 2, inputSize: 2, x: fixed, dtype: 'float16' }),
      /LSTM: X has unsupported type float16 \(supported: float32\)/],
    ['X whose input size differs from W', recurrentModel({ cell: 'RNN', hidden: 2, inputSize: 2, x: [3, 2, 5] }),
      /RNN: W must have shape \[1,2,5\] \[num_directions, 1\*hidden_size, input_size\], got \[1,2,2\] \(hidden_size 2, 1 direction, X \[3,2,5\]\)/],
    ['an unknown direction', recurrentModel({ cell: 'GRU', hidden: 2, inputSize: 2, x: fixed, attrs: { direction: 'sideways' } }),
      /GRU: direction sideways is not forward, reverse or bidirectional/],
    ['a negative clip', recurrentModel({ cell: 'LSTM', hidden: 2, inputSize: 2, x: fixed, attrs: { clip: floatAttr(-1.5) } }),
      /LSTM: clip must be a threshold >= 0, got -1.5/],
  ])('%s', async (_, onnx, reason) => {
    const text = await buildError(onnx);
    expect(text).toMatch(/node 0 \(the_rnn, (LSTM|GRU|RNN)\)/);
    expect(text).toMatch(reason);
  });

  it('hidden_size missing, and W for another hidden_size', async () => {
    const without = model({
      inputs: [valueInfo('x', 'float32', [3, 2, 2])],
      outputs: [valueInfo('y', 'float32', [])],
      initializers: [tensor('W', 'float32', [1, 8, 2], new Float32Array(16)), tensor('R', 'float32', [1, 8, 2], new Float32Array(16))],
      nodes: [node('LSTM', ['x', 'W', 'R'], ['y'], {}, 'the_rnn')],
    });
    expect(await buildError(without)).toMatch(/LSTM: the hidden_size attribute is required/);
    const mismatched = model({
      inputs: [valueInfo('x', 'float32', [3, 2, 2])],
      outputs: [valueInfo('y', 'float32', [])],
      initializers: [tensor('W', 'float32', [1, 8, 2], new Float32Array(16)), tensor('R', 'float32', [1, 8, 2], new Float32Array(16))],
      nodes: [node('LSTM', ['x', 'W', 'R'], ['y'], { hidden_size: 3 }, 'the_rnn')],
    });
    expect(await buildError(mismatched)).toMatch(/LSTM: W must have shape \[1,12,2\] \[num_directions, 4\*hidden_size, input_size\], got \[1,8,2\]/);
  });
});
