// The CLI's own ONNX reader (lib/cli/onnx-info.ts) against onnx-proto's decoding of every model of the test zoo.
import { describe, expect, it } from 'vitest';
import { readOnnxInfo } from '../../lib/cli/onnx-info.js';
import { allModels } from '../models/index.js';
import { decodeModel, model, node, tensor, valueInfo } from '../models/onnx-builder.js';

const DTYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16' };

describe('readOnnxInfo', () => {
  for (const zoo of allModels()) {
    it(`reads ${zoo.name} as onnx-proto does`, () => {
      const info = readOnnxInfo(zoo.onnx);
      const proto = decodeModel(zoo.onnx);
      const graph = proto.graph!;
      expect(info.irVersion).toBe(Number(proto.irVersion));
      expect(info.producerName).toBe(proto.producerName);
      expect(info.opsets).toEqual(proto.opsetImport.map((o) => ({ domain: o.domain ?? '', version: Number(o.version) })));
      expect(info.graphName).toBe(graph.name);
      const io = (list: typeof graph.input) =>
        list!.map((v) => ({
          name: v.name,
          dtype: DTYPES[v.type!.tensorType!.elemType!],
          dims: v.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? Number(d.dimValue) : null)),
        }));
      expect(info.inputs).toEqual(io(graph.input));
      expect(info.outputs).toEqual(io(graph.output));
      expect(info.initializers).toBe(graph.initializer!.length);
      expect(info.parameters).toBe(graph.initializer!.reduce((n, t) => n + t.dims!.reduce((a: number, b) => a * Number(b), 1), 0));
      expect(info.nodes).toBe(graph.node!.length);
      const histogram: Record<string, number> = {};
      for (const n of graph.node!) histogram[n.opType!] = (histogram[n.opType!] ?? 0) + 1;
      expect(info.ops).toEqual(histogram);
      // Most frequent first.
      const counts = Object.values(info.ops);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
    });
  }

  it('leaves out graph inputs that are initializers (older exporters list weights as inputs)', () => {
    const bytes = model({
      inputs: [valueInfo('x', 'float32', ['n', 4]), valueInfo('w', 'float32', [4, 2])],
      outputs: [valueInfo('y', 'float32', ['n', 2])],
      initializers: [tensor('w', 'float32', [4, 2], new Float32Array(8))],
      nodes: [node('MatMul', ['x', 'w'], ['y'])],
    });
    const info = readOnnxInfo(bytes);
    expect(info.inputs.map((i) => i.name)).toEqual(['x']);
    expect(info.initializers).toBe(1);
  });

  it('reports unknown dims as null and custom-domain ops with their domain', () => {
    const bytes = model({
      inputs: [valueInfo('x', 'float32', [-1, 4])],
      outputs: [valueInfo('y', 'float32', [-1, 4])],
      nodes: [{ ...node('FusedThing', ['x'], ['y']), domain: 'com.example' }],
    });
    const info = readOnnxInfo(bytes);
    expect(info.inputs[0]!.dims).toEqual([null, 4]);
    expect(info.ops).toEqual({ 'com.example:FusedThing': 1 });
  });

  it('rejects bytes that are not a model', () => {
    expect(() => readOnnxInfo(new TextEncoder().encode('definitely not protobuf'))).toThrow();
    expect(() => readOnnxInfo(new Uint8Array(0))).toThrow(/not an ONNX model/);
    const bytes = allModels()[0]!.onnx;
    expect(() => readOnnxInfo(bytes.subarray(0, bytes.length - 7))).toThrow(/claims|truncated/);
  });
});
