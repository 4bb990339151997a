// Explicit quantization: models with QuantizeLinear/DequantizeLinear (Q/DQ) nodes, as quantization-aware training
// and TensorRT Model Optimizer export them, built strongly typed (TensorRT 11's only mode) and weakly typed with the
// INT8 flag (no calibration: the Q/DQ nodes carry the scales). Results against onnxruntime-node on the same model and
// feeds: float outputs within FP32_TOLERANCE, int8 outputs exactly. And what TensorRT refuses of a Q/DQ model
// (asymmetric or uint8 quantization, as onnxruntime's own quantizer exports by default), refused at build time with
// the node named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildFailedError, Runtime, Tensor, buildEngine } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import type { BuildOptions } from '../lib/index.js';
import { expectLikeOrt } from './helpers/ort.js';
import { model, node, tensor, valueInfo } from './models/onnx-builder.js';
import { QDQ_CNN_PROFILE, QDQ_PROFILE as PROFILE, fp8QuantDequant, qdqCnn, qdqMlp } from './models/qdq-models.js';
import { rng } from './models/rng.js';

const feedsAt = (batch: number, seed: number) => ({ x: Tensor.from('float32', rng(seed).uniform(batch * 16, -2.5, 2.5), [batch, 16]) });

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

async function runAll(onnx: Uint8Array, options: BuildOptions, batches: number[]) {
  using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [PROFILE], ...options }));
  using context = engine.createContext();
  const results = [];
  for (const batch of batches) results.push(await context.run(feedsAt(batch, 100 + batch)));
  return { results, dtypes: Object.fromEntries(engine.outputs.map((t) => [t.name, t.dtype])) };
}

async function buildFailure(onnx: Uint8Array, options: BuildOptions = { stronglyTyped: true }): Promise<BuildFailedError> {
  const e = await buildEngine(onnx, { backend: 'simulator', profiles: [PROFILE], ...options }).catch((err: unknown) => err);
  expect(e).toBeInstanceOf(BuildFailedError);
  return e as BuildFailedError;
}
const textOf = (e: BuildFailedError) => [e.message, ...e.details].join('\n');

describe('a Q/DQ model', () => {
  it('strongly typed: like onnxruntime at batch 1, 3 and 8 (the int8 codes exactly), with an int8 engine output', async () => {
    const onnx = qdqMlp();
    const { results, dtypes } = await runAll(onnx, { stronglyTyped: true }, [1, 3, 8]);
    expect(dtypes).toEqual({ y: 'float32', codes: 'int8' });
    for (const [k, batch] of [1, 3, 8].entries()) await expectLikeOrt(onnx, feedsAt(batch, 100 + batch), results[k]!);
    // Saturation happened: x reaches ±2.5 and 2.5 / 0.02 = 125 stays inside, so the codes span most of int8.
    const codes = Array.from(results[2]!.codes!.data as Int8Array);
    expect(Math.max(...codes)).toBeGreaterThan(100);
    expect(Math.min(...codes)).toBeLessThan(-100);
  });

  it('weakly typed with precision int8 and no calibration cache: the same codes, the float layers in fp16 (kINT8 comes with kFP16)', async () => {
    const onnx = qdqMlp();
    const strong = await runAll(onnx, { stronglyTyped: true }, [3, 8]);
    const warnings: string[] = [];
    const weak = await runAll(onnx, { precision: 'int8', onWarning: (m) => warnings.push(m) }, [3, 8]);
    for (const k of [0, 1]) {
      expect(Array.from(weak.results[k]!.codes!.data as Int8Array)).toEqual(Array.from(strong.results[k]!.codes!.data as Int8Array));
      const y = weak.results[k]!.y!.data as Float32Array;
      const reference = strong.results[k]!.y!.data as Float32Array;
      // fp16 rounding of the hidden layer may move a value across a quantization step of h (0.015 x |w2| <= 0.8).
      expect(Math.max(...y.map((v, i) => Math.abs(v - reference[i]!)))).toBeLessThan(0.05);
      expect(Array.from(y)).not.toEqual(Array.from(reference));
    }
    expect(warnings).toEqual([
      "precision 'int8' uses a TensorRT builder flag, deprecated since TensorRT 10.12 and removed in 11: the model's Q/DQ nodes already say where int8 is used, so build with stronglyTyped: true",
    ]);
  });

  it('a calibration cache is not used in explicit quantization: the same bits as without one', async () => {
    const onnx = qdqMlp();
    const cache = new TextEncoder().encode('TRT-101601-EntropyCalibration2\nh1: 3c000000\ny0: 3c000000\n');
    const plain = await runAll(onnx, { precision: 'int8' }, [5]);
    const warnings: [string, string][] = [];
    const calibrated = await runAll(onnx, { precision: 'int8', calibrationCache: cache, onWarning: (m, from) => warnings.push([m, from]) }, [5]);
    expect(Array.from(calibrated.results[0]!.y!.data as Float32Array)).toEqual(Array.from(plain.results[0]!.y!.data as Float32Array));
    // TensorRT says so, and the build goes on.
    expect(warnings).toContainEqual([
      "Calibrator won't be used in explicit precision mode. Use quantization aware training to generate network with Quantize/Dequantize nodes.",
      'tensorrt',
    ]);
  });

  it('weakly typed without the INT8 flag: BUILD_FAILED, as TensorRT refuses a network with int8 layers it was not allowed', async () => {
    for (const precision of [undefined, 'fp16'] as const) {
      const e = await buildFailure(qdqMlp(), { precision });
      expect(e.message).toMatch(/Int8 precision has been set for a layer or layer output, but int8 is not configured in the builder/);
    }
  });
});

describe('a Q/DQ CNN (int8 convolution weights per output channel)', () => {
  it('strongly typed and weakly typed with int8: like onnxruntime over three image sizes and batches', async () => {
    const onnx = qdqCnn();
    for (const options of [{ stronglyTyped: true }, { precision: 'int8' as const }]) {
      using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', profiles: [QDQ_CNN_PROFILE], ...options }));
      using context = engine.createContext();
      for (const [n, h, w] of [[1, 8, 8], [2, 16, 12], [4, 32, 32]] as const) {
        const feeds = { image: Tensor.from('float32', rng(n * 100 + h).uniform(n * 3 * h * w, -3, 3), [n, 3, h, w]) };
        // fp16 layers beside the int8 ones in the weakly typed build (kINT8 comes with kFP16).
        const tolerance = options.stronglyTyped ? undefined : { atol: 2e-3, rtol: 5e-3 };
        await expectLikeOrt(onnx, feeds, await context.run(feeds), tolerance);
      }
    }
  });
});

describe('FP8 (E4M3) quantization', () => {
  const FP8_PROFILE = { x: { min: [1, 64], opt: [2, 64], max: [4, 64] } };
  // Values beyond 448 x scale saturate; small ones become subnormal; every E4M3 rounding happens somewhere in here.
  const feeds = (n: number, seed: number) => ({ x: Tensor.from('float32', rng(seed).uniform(n * 64, -30, 30).map((v, i) => (i % 5 === 0 ? v / 1000 : v)), [n, 64]) });

  it('activations per tensor, weights per channel, strongly typed: like onnxruntime (which saturates by default, as TensorRT always does)', async () => {
    for (const weights of [false, true]) {
      const onnx = fp8QuantDequant(weights);
      using engine = await runtime.deserialize(await buildEngine(onnx, { backend: 'simulator', stronglyTyped: true, profiles: [FP8_PROFILE] }));
      using context = engine.createContext();
      for (const n of [1, 4]) {
        const f = feeds(n, 300 + n);
        const result = await context.run(f);
        await expectLikeOrt(onnx, f, result);
        if (!weights) {
          // Quantization really happened: values moved to E4M3's grid (3 mantissa bits).
          const x = f.x.data as Float32Array;
          expect((result.y!.data as Float32Array).some((v, i) => v !== x[i])).toBe(true);
        }
      }
    }
  });

  it('weakly typed (no FP8 builder flag here), or on a GPU before Ada (8.9): BUILD_FAILED saying why', async () => {
    const weak = await buildFailure(fp8QuantDequant(false), { precision: 'int8', profiles: [FP8_PROFILE] });
    expect(weak.message).toMatch(/FP8 precision has been set for a layer or layer output, but fp8 is not configured in the builder/);
    simulator.setDevice({ computeCapability: [8, 6] });
    try {
      const ampere = await buildFailure(fp8QuantDequant(false), { stronglyTyped: true, profiles: [FP8_PROFILE] });
      expect(ampere.message).toMatch(/FP8 \(E4M3\) tensors, which need a GPU of compute capability 8\.9 or later; this is 8\.6/);
    } finally {
      simulator.setDevice({ computeCapability: [8, 9] });
    }
  });

  it('an FP8 network input or output is refused as not modelled (the package\'s tensors have no FP8 type)', async () => {
    const bytes = fp8QuantDequant(false);
    const decoded = (await import('./models/onnx-builder.js')).decodeModel(bytes);
    decoded.graph!.output!.push({ name: 'q', type: { tensorType: { elemType: 17, shape: { dim: [{ dimParam: 'n' }, { dimValue: 64 }] } } } });
    const onnxProto = (await import('onnx-proto')).default;
    const text = textOf(await buildFailure(onnxProto.onnx.ModelProto.encode(decoded).finish(), { stronglyTyped: true, profiles: [FP8_PROFILE] }));
    expect(text).toMatch(/Graph output q is float8e4m3fn: FP8 network inputs and outputs are not modelled by the simulator/);
  });
});

describe('what TensorRT refuses of a Q/DQ model, naming the node', () => {
  it('per-channel quantization of an activation (NvInfer.h: only weights are quantized per channel)', async () => {
    const onnx = model({
      inputs: [valueInfo('x', 'float32', ['n', 3])],
      outputs: [valueInfo('y', 'float32', ['n', 3])],
      initializers: [tensor('s', 'float32', [3], [0.1, 0.2, 0.3]), tensor('z', 'int8', [3], [0, 0, 0])],
      nodes: [node('QuantizeLinear', ['x', 's', 'z'], ['q'], { axis: 1 }, 'quantize_activation'), node('DequantizeLinear', ['q', 's', 'z'], ['y'], { axis: 1 })],
      opset: 13,
    });
    const text = textOf(await buildFailure(onnx, { stronglyTyped: true, profiles: [{ x: { min: [1, 3], opt: [2, 3], max: [4, 3] } }] }));
    expect(text).toMatch(/quantize_activation/);
    expect(text).toMatch(/per-channel quantization is supported only for weights/);
  });

  it('uint8 zero points (onnxruntime\'s quantizer exports them by default): TensorRT quantizes to int8 only', async () => {
    const text = textOf(await buildFailure(qdqMlp({ zeroPoint: { dtype: 'uint8', value: 128 } })));
    expect(text).toMatch(/quantize_x/);
    expect(text).toMatch(/UINT8/);
  });

  it('a zero point that is not zero: TensorRT\'s quantization is symmetric', async () => {
    const text = textOf(await buildFailure(qdqMlp({ zeroPoint: { dtype: 'int8', value: 3 } })));
    expect(text).toMatch(/quantize_x/);
    expect(text).toMatch(/TensorRT only supports symmetric quantization: the zero point must be all zeros, element 0 is 3/);
  });

  it('per-channel weights without an axis: TensorRT\'s importer takes axis 0 where ONNX says 1, and 16 rows are not 8 scales', async () => {
    const onnx = qdqMlp({ omitWeightAxis: true });
    // onnxruntime runs it (axis 1: 8 output channels); TensorRT's importer would not.
    const ort = await import('onnxruntime-node');
    await expect(ort.InferenceSession.create(onnx)).resolves.toBeDefined();
    const text = textOf(await buildFailure(onnx));
    expect(text).toMatch(/dequantize_w1/);
    expect(text).toMatch(/the number of scales \(8\) is not the extent of axis 0 of the input \[16,8\] \(no axis given: TensorRT's importer uses 0\)/);
  });
});
