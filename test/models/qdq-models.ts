// Small models with explicit quantization (QuantizeLinear/DequantizeLinear nodes) as quantization-aware training
// exports them, an MLP and the CNN pattern, for test/quantization.test.ts and the CLI's build test.
import { float8Zeros, model, node, tensor, valueInfo } from './onnx-builder.js';
import type { DType } from './onnx-builder.js';
import { rng } from './rng.js';

/** Zero points for `count` channels (a scalar for one), all `value`. */
const zeroPoints = (name: string, count: number, dtype: DType = 'int8', value = 0) =>
  tensor(name, dtype, count === 1 ? [] : [count], Array(count).fill(value));

export const QDQ_PROFILE = { x: { min: [1, 16], opt: [4, 16], max: [8, 16] } };

export interface Variant {
  /** The zero points' type and value (TensorRT takes int8 zeros only). */
  zeroPoint?: { dtype: DType; value: number };
  /** Leave out the weights' axis attribute (ONNX's default is 1, TensorRT's importer uses 0). */
  omitWeightAxis?: boolean;
}

/**
 * x [batch, 16] -> Q/DQ (per tensor) -> MatMul with int8 weights W1 [16, 8] dequantized per output channel ->
 * Add -> Relu -> Q/DQ -> MatMul with float weights W2 [8, 4] fake-quantized per channel (Q then DQ, folded at build
 * time) -> Add -> y. Also outputs the input's int8 codes.
 */
export function qdqMlp(variant: Variant = {}): Uint8Array {
  const r = rng(7);
  const zp = variant.zeroPoint ?? { dtype: 'int8', value: 0 };
  const zpOf = (name: string, count: number) => zeroPoints(name, count, zp.dtype, zp.value);
  const weightAxis: Record<string, number> = variant.omitWeightAxis ? {} : { axis: 1 };
  const w1 = Array.from({ length: 16 * 8 }, () => r.int(-127, 128));
  return model({
    inputs: [valueInfo('x', 'float32', ['batch', 16])],
    outputs: [valueInfo('y', 'float32', ['batch', 4]), valueInfo('codes', 'int8', ['batch', 16])],
    initializers: [
      tensor('sx', 'float32', [], [0.02]),
      zpOf('zx', 1),
      tensor('w1', 'int8', [16, 8], w1),
      tensor('sw1', 'float32', [8], Array.from(r.uniform(8, 0.002, 0.01))),
      zpOf('zw1', 8),
      tensor('b1', 'float32', [8], Array.from(r.uniform(8, -0.2, 0.2))),
      tensor('sh', 'float32', [], [0.015]),
      zpOf('zh', 1),
      tensor('w2', 'float32', [8, 4], Array.from(r.uniform(32, -0.8, 0.8))),
      tensor('sw2', 'float32', [4], [0.006, 0.004, 0.0065, 0.005]),
      zpOf('zw2', 4),
      tensor('b2', 'float32', [4], [0.1, -0.1, 0.05, 0]),
    ],
    nodes: [
      node('QuantizeLinear', ['x', 'sx', 'zx'], ['codes'], {}, 'quantize_x'),
      node('DequantizeLinear', ['codes', 'sx', 'zx'], ['xq'], {}, 'dequantize_x'),
      node('DequantizeLinear', ['w1', 'sw1', 'zw1'], ['w1f'], weightAxis, 'dequantize_w1'),
      node('MatMul', ['xq', 'w1f'], ['h0']),
      node('Add', ['h0', 'b1'], ['h1']),
      node('Relu', ['h1'], ['h']),
      node('QuantizeLinear', ['h', 'sh', 'zh'], ['hq8'], {}, 'quantize_h'),
      node('DequantizeLinear', ['hq8', 'sh', 'zh'], ['hq'], {}, 'dequantize_h'),
      node('QuantizeLinear', ['w2', 'sw2', 'zw2'], ['w2q'], weightAxis, 'quantize_w2'),
      node('DequantizeLinear', ['w2q', 'sw2', 'zw2'], ['w2f'], weightAxis, 'dequantize_w2'),
      node('MatMul', ['hq', 'w2f'], ['y0']),
      node('Add', ['y0', 'b2'], ['y']),
    ],
    opset: 13,
  });
}

export const QDQ_CNN_PROFILE = { image: { min: [1, 3, 8, 8], opt: [2, 3, 16, 16], max: [4, 3, 32, 32] } };

/**
 * The pattern TensorRT's int8 CNNs come in: image [N, 3, H, W] -> Q/DQ (per tensor) -> Conv 3x3 pad 1 with int8
 * weights [8, 3, 3, 3] dequantized per output channel (axis 0, given) and a float bias -> Relu -> Q/DQ ->
 * Conv 1x1 [4, 8] with weights fake-quantized per output channel -> GlobalAveragePool -> logits [N, 4, 1, 1].
 */
export function qdqCnn(): Uint8Array {
  const r = rng(11);
  return model({
    inputs: [valueInfo('image', 'float32', ['n', 3, 'h', 'w'])],
    outputs: [valueInfo('logits', 'float32', ['n', 4, 1, 1])],
    initializers: [
      tensor('s_image', 'float32', [], [0.025]),
      zeroPoints('z_image', 1),
      tensor('w1', 'int8', [8, 3, 3, 3], Array.from({ length: 8 * 27 }, () => r.int(-127, 128))),
      tensor('s_w1', 'float32', [8], Array.from(r.uniform(8, 0.001, 0.004))),
      zeroPoints('z_w1', 8),
      tensor('b1', 'float32', [8], Array.from(r.uniform(8, -0.1, 0.1))),
      tensor('s_act', 'float32', [], [0.02]),
      zeroPoints('z_act', 1),
      tensor('w2', 'float32', [4, 8, 1, 1], Array.from(r.uniform(32, -0.5, 0.5))),
      tensor('s_w2', 'float32', [4], [0.004, 0.003, 0.0035, 0.002]),
      zeroPoints('z_w2', 4),
    ],
    nodes: [
      node('QuantizeLinear', ['image', 's_image', 'z_image'], ['image_q']),
      node('DequantizeLinear', ['image_q', 's_image', 'z_image'], ['image_dq']),
      node('DequantizeLinear', ['w1', 's_w1', 'z_w1'], ['w1_dq'], { axis: 0 }),
      node('Conv', ['image_dq', 'w1_dq', 'b1'], ['c1'], { pads: [1, 1, 1, 1] }, 'conv1'),
      node('Relu', ['c1'], ['a1']),
      node('QuantizeLinear', ['a1', 's_act', 'z_act'], ['a1_q']),
      node('DequantizeLinear', ['a1_q', 's_act', 'z_act'], ['a1_dq']),
      node('QuantizeLinear', ['w2', 's_w2', 'z_w2'], ['w2_q'], { axis: 0 }),
      node('DequantizeLinear', ['w2_q', 's_w2', 'z_w2'], ['w2_dq'], { axis: 0 }),
      node('Conv', ['a1_dq', 'w2_dq'], ['c2'], {}, 'conv2'),
      node('GlobalAveragePool', ['c2'], ['logits']),
    ],
    opset: 13,
  });
}

/**
 * FP8 fake quantization, as TensorRT Model Optimizer's FP8 recipe exports it: x [n, 64] -> Q/DQ to FP8 E4M3 per
 * tensor -> y; with `weights`, Relu of that is then multiplied by W [64, 8] fake-quantized to FP8 per output channel
 * (axis 1; TensorRT quantizes only weights per channel). Zero points are FP8 zeros.
 */
export function fp8QuantDequant(weights: boolean): Uint8Array {
  const r = rng(13);
  const nodes = [node('QuantizeLinear', ['x', 's', 'z'], ['q'], {}, 'quantize_fp8'), node('DequantizeLinear', ['q', 's', 'z'], [weights ? 'xq' : 'y'], {}, 'dequantize_fp8')];
  const initializers = [tensor('s', 'float32', [], [0.05]), float8Zeros('z', [])];
  if (weights) {
    initializers.push(
      tensor('w', 'float32', [64, 8], Array.from(r.uniform(64 * 8, -3, 3))),
      tensor('sw', 'float32', [8], [0.001, 0.002, 0.004, 0.005, 0.0065, 0.008, 0.01, 0.02]),
      float8Zeros('zw', [8]),
    );
    nodes.push(
      node('QuantizeLinear', ['w', 'sw', 'zw'], ['wq'], { axis: 1 }, 'quantize_w_fp8'),
      node('DequantizeLinear', ['wq', 'sw', 'zw'], ['wdq'], { axis: 1 }, 'dequantize_w_fp8'),
      // A Relu between keeps onnxruntime from fusing DQ -> MatMul into MatMulIntegerToFloat, which has no FP8.
      node('Relu', ['xq'], ['xr']),
      node('MatMul', ['xr', 'wdq'], ['y']),
    );
  }
  return model({
    inputs: [valueInfo('x', 'float32', ['n', 64])],
    outputs: [valueInfo('y', 'float32', ['n', weights ? 8 : 64])],
    initializers,
    nodes,
    opset: 19,
  });
}
