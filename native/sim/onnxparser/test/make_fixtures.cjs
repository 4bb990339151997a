#!/usr/bin/env node
// Writes the .onnx fixtures that onnx_model_test reads, using the onnx-proto encoder (protobufjs), so the C++
// reader is checked against an independent writer. Usage: node make_fixtures.cjs <outDir>
// The expected values are repeated in onnx_model_test.cc; change both together.
'use strict';

const fs = require('fs');
const path = require('path');
const { onnx } = require('onnx-proto');

const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

function leFloats(values) {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}

function leInt64s(values) {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), i * 8));
  return b;
}

function tensorValue(name, elemType, dims) {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : d === null ? {} : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

function write(outDir, file, model) {
  const bytes = onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  fs.writeFileSync(path.join(outDir, file), bytes);
}

function mlpModel() {
  const w1 = Array.from({ length: 16 }, (_, i) => i * 0.5);
  const w2 = Array.from({ length: 12 }, (_, i) => (i - 6) * 0.25);
  const probeAttributes = [
    { name: 'f', type: A.FLOAT, f: -1.5 },
    { name: 'i', type: A.INT, i: -7 },
    { name: 's', type: A.STRING, s: Buffer.from('hello') },
    { name: 't', type: A.TENSOR, t: { name: 'tval', dataType: T.INT32, dims: [3], int32Data: [-1, 0, 70000] } },
    { name: 'g', type: A.GRAPH, g: { name: 'sub', node: [{ opType: 'Identity', input: ['a'], output: ['b'] }] } },
    { name: 'floats', type: A.FLOATS, floats: [1, -2.5, 3.25] },
    { name: 'ints', type: A.INTS, ints: [-1, 0, 5, 1099511627776] },
    { name: 'strings', type: A.STRINGS, strings: [Buffer.from('a'), Buffer.alloc(0), Buffer.from('ccc')] },
    { name: 'legacy', ints: [4, 5] },  // no type, as very old writers emit
  ];
  return {
    irVersion: 8,
    producerName: 'tensorrt-node-tests',
    producerVersion: '1.2.3',
    docString: 'skipped by the reader',
    metadataProps: [{ key: 'k', value: 'v' }],
    opsetImport: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
    graph: {
      name: 'mlp',
      docString: 'also skipped',
      node: [
        {
          name: 'gemm1', opType: 'Gemm', input: ['x', 'W1', 'B1'], output: ['h'], docString: 'skipped',
          attribute: [
            { name: 'alpha', type: A.FLOAT, f: 1.0 },
            { name: 'beta', type: A.FLOAT, f: 0.5 },
            { name: 'transB', type: A.INT, i: 1 },
          ],
        },
        { name: 'relu', opType: 'Relu', input: ['h'], output: ['r'] },
        {
          name: 'gemm2', opType: 'Gemm', input: ['r', 'W2', ''], output: ['g2'],
          attribute: [{ name: 'transB', type: A.INT, i: 1 }],
        },
        { name: 'reshape', opType: 'Reshape', input: ['g2', 'shape'], output: ['y'] },
        {
          name: 'probe', opType: 'AttrProbe', domain: 'test.domain', input: ['r'], output: ['probe_out'],
          attribute: probeAttributes,
        },
      ],
      initializer: [
        { name: 'W1', dataType: T.FLOAT, dims: [4, 4], rawData: leFloats(w1) },
        { name: 'B1', dataType: T.FLOAT, dims: [4], floatData: [0.1, 0.2, 0.3, 0.4] },
        { name: 'W2', dataType: T.FLOAT, dims: [3, 4], rawData: leFloats(w2) },
        { name: 'shape', dataType: T.INT64, dims: [2], int64Data: [-1, 3] },
        { name: 'scale', dataType: T.FLOAT, floatData: [2.5] },  // scalar: no dims
      ],
      input: [tensorValue('x', T.FLOAT, ['batch', 4]), tensorValue('W1', T.FLOAT, [4, 4])],
      output: [tensorValue('y', T.FLOAT, ['batch', 3])],
      valueInfo: [
        tensorValue('h', T.FLOAT, ['batch', 4]),
        tensorValue('r', T.FLOAT, [null, 4]),  // unnamed dynamic dim
        { name: 'probe_out', type: { tensorType: { elemType: T.FLOAT } } },  // rank unknown
      ],
    },
  };
}

// One initializer per typed storage field / element type combination.
function typedModel() {
  return {
    irVersion: 7,
    opsetImport: [{ domain: 'ai.onnx', version: 13 }],
    graph: {
      name: 'typed',
      initializer: [
        { name: 'h16', dataType: T.FLOAT16, dims: [2], int32Data: [0x3c00, 0xc000] },
        { name: 'bf16', dataType: T.BFLOAT16, dims: [1], int32Data: [0x3f80] },
        { name: 'b', dataType: T.BOOL, dims: [3], int32Data: [1, 0, 1] },
        { name: 'i8', dataType: T.INT8, dims: [2], int32Data: [-1, 127] },
        { name: 'u8', dataType: T.UINT8, dims: [2], int32Data: [255, 1] },
        { name: 'i16', dataType: T.INT16, dims: [1], int32Data: [-2] },
        { name: 'u16', dataType: T.UINT16, dims: [1], int32Data: [65535] },
        { name: 'i32', dataType: T.INT32, dims: [2], int32Data: [-2, 5] },
        { name: 'u32', dataType: T.UINT32, dims: [2], uint64Data: [4294967295, 7] },
        { name: 'u64', dataType: T.UINT64, dims: [1], uint64Data: [1099511627779] },
        { name: 'f64', dataType: T.DOUBLE, dims: [2], doubleData: [1.5, -0.25] },
        { name: 'empty', dataType: T.FLOAT, dims: [0, 5] },
        { name: 'rawi64', dataType: T.INT64, dims: [2], rawData: leInt64s([-5, 6]) },
        { name: 'str', dataType: T.STRING, dims: [2], stringData: [Buffer.from('x'), Buffer.from('y')] },
      ],
    },
  };
}

function externalModel() {
  return {
    irVersion: 8,
    opsetImport: [{ domain: 'com.microsoft', version: 1 }],  // no default-domain opset
    graph: {
      name: 'external',
      initializer: [{
        name: 'big', dataType: T.FLOAT, dims: [1000, 1000], dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [{ key: 'location', value: 'weights.bin' }, { key: 'offset', value: '0' }],
      }],
    },
  };
}

function badSizeModel() {
  return {
    irVersion: 8,
    graph: { name: 'bad', initializer: [{ name: 'oops', dataType: T.FLOAT, dims: [2, 3], floatData: [1, 2, 3, 4, 5] }] },
  };
}

function main() {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: node make_fixtures.cjs <outDir>');
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  write(outDir, 'mlp.onnx', mlpModel());
  write(outDir, 'typed.onnx', typedModel());
  write(outDir, 'external.onnx', externalModel());
  write(outDir, 'bad_size.onnx', badSizeModel());
}

main();
