// Writes examples/mlp.onnx (or the path given as the first argument): a small MLP, x [batch,16] → y [batch,8],
// with fixed pseudo-random weights, for trying the CLI:
//   node examples/make-example-model.mjs
//   npx tensorrt-node run examples/mlp.onnx --backend simulator --shapes x:2x16 --input x=random --compare cpu
// It needs onnx-proto, a dev dependency of this repository (npm install onnx-proto elsewhere).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

// A tiny linear congruential generator: the same weights on every run, so the file is reproducible.
let state = 20240611;
function uniform(count, scale) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

function initializer(name, dims, values) {
  return onnx.TensorProto.create({ name, dataType: FLOAT, dims, rawData: new Uint8Array(values.buffer) });
}

function tensorValue(name, dims) {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } });
}

const node = (opType, input, output, attribute = []) => onnx.NodeProto.create({ opType, input, output, name: `${opType}_${output[0]}`, attribute });

const model = onnx.ModelProto.create({
  irVersion: 8,
  producerName: 'tensorrt-node-examples',
  opsetImport: [{ domain: '', version: 17 }],
  graph: {
    name: 'mlp',
    input: [tensorValue('x', ['batch', 16])],
    output: [tensorValue('y', ['batch', 8])],
    initializer: [
      initializer('w1', [16, 32], uniform(16 * 32, 0.3)),
      initializer('b1', [32], uniform(32, 0.1)),
      initializer('w2', [32, 8], uniform(32 * 8, 0.3)),
      initializer('b2', [8], uniform(8, 0.1)),
    ],
    node: [
      node('MatMul', ['x', 'w1'], ['h']),
      node('Add', ['h', 'b1'], ['h_bias']),
      node('Relu', ['h_bias'], ['h_relu']),
      node('Gemm', ['h_relu', 'w2', 'b2'], ['logits']),
      node('Tanh', ['logits'], ['y']),
    ],
  },
});

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(here, 'mlp.onnx'));
writeFileSync(out, onnx.ModelProto.encode(model).finish());
console.log(`wrote ${out}`);
