// What `inspect` and `run` need to know about an ONNX model, read straight from the protobuf: opsets, graph inputs
// and outputs with their dtypes and dims (dim_param names for dynamic ones), initializers and an op histogram.
// Field numbers are those of onnx/onnx.proto3.
import { fields, int64, repeatedInt64, text } from './protobuf.js';

/** A dimension: its size, its dim_param name when dynamic, or null when the model leaves it unknown. */
export type OnnxDim = number | string | null;

export interface OnnxValueInfo {
  readonly name: string;
  /** 'float32', 'int64', 'bool', … for tensors; 'sequence', 'map', 'optional' or 'sparse_tensor' otherwise. */
  readonly dtype: string;
  /** null when the model declares no shape (rank unknown). */
  readonly dims: readonly OnnxDim[] | null;
}

export interface OnnxInfo {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly opsets: readonly { domain: string; version: number }[];
  readonly graphName: string;
  /** Graph inputs a caller feeds (inputs that are also initializers, as old exporters list them, are left out). */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly initializers: number;
  /** Total elements over all initializers. */
  readonly parameters: number;
  /** Nodes, counting those in subgraphs (If, Loop, Scan bodies). */
  readonly nodes: number;
  /** Op type (prefixed with its domain when not the default one) → count, most frequent first. */
  readonly ops: Readonly<Record<string, number>>;
}

/** TensorProto.DataType → the names this package (and onnxruntime-node) use. */
const ELEM_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};

export function elemTypeName(code: number): string {
  return ELEM_TYPES[code] ?? `onnx-type-${code}`;
}

// ModelProto
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 };
// GraphProto
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 };
// NodeProto, AttributeProto
const NODE = { opType: 4, attribute: 5, domain: 7 };
const ATTRIBUTE = { g: 6, graphs: 11 };
// TypeProto and its members
const TYPE = { tensor: 1, sequence: 4, map: 5, sparseTensor: 8, optional: 9 };

function dimension(bytes: Uint8Array): OnnxDim {
  let dim: OnnxDim = null;
  for (const f of fields(bytes)) {
    if (f.number === 1 && f.varint !== undefined) dim = int64(f.varint);
    else if (f.number === 2 && f.bytes) dim = text(f.bytes);
  }
  return dim;
}

function tensorType(bytes: Uint8Array): { dtype: string; dims: OnnxDim[] | null } {
  let dtype = 'undefined';
  let dims: OnnxDim[] | null = null;
  for (const f of fields(bytes)) {
    if (f.number === 1 && f.varint !== undefined) dtype = elemTypeName(int64(f.varint));
    else if (f.number === 2 && f.bytes) {
      dims = [];
      for (const d of fields(f.bytes)) if (d.number === 1 && d.bytes) dims.push(dimension(d.bytes));
    }
  }
  return { dtype, dims };
}

function valueInfo(bytes: Uint8Array): OnnxValueInfo {
  let name = '';
  let dtype = 'undefined';
  let dims: OnnxDim[] | null = null;
  for (const f of fields(bytes)) {
    if (f.number === 1 && f.bytes) name = text(f.bytes);
    else if (f.number === 2 && f.bytes) {
      for (const t of fields(f.bytes)) {
        if (!t.bytes) continue;
        if (t.number === TYPE.tensor) ({ dtype, dims } = tensorType(t.bytes));
        else if (t.number === TYPE.sequence) dtype = 'sequence';
        else if (t.number === TYPE.map) dtype = 'map';
        else if (t.number === TYPE.sparseTensor) dtype = 'sparse_tensor';
        else if (t.number === TYPE.optional) dtype = 'optional';
      }
    }
  }
  return { name, dtype, dims };
}

/** An initializer's name and element count (dims=1, name=8 of TensorProto); its data is not read. */
function initializer(bytes: Uint8Array): { name: string; elements: number } {
  let name = '';
  const dims: number[] = [];
  for (const f of fields(bytes)) {
    if (f.number === 1) dims.push(...repeatedInt64(f));
    else if (f.number === 8 && f.bytes) name = text(f.bytes);
  }
  return { name, elements: dims.reduce((a, b) => a * b, 1) };
}

interface GraphWalk {
  ops: Map<string, number>;
  nodes: number;
}

function countNodes(graph: Uint8Array, walk: GraphWalk): void {
  for (const f of fields(graph)) {
    if (f.number !== GRAPH.node || !f.bytes) continue;
    walk.nodes++;
    let opType = '';
    let domain = '';
    for (const n of fields(f.bytes)) {
      if (n.number === NODE.opType && n.bytes) opType = text(n.bytes);
      else if (n.number === NODE.domain && n.bytes) domain = text(n.bytes);
      else if (n.number === NODE.attribute && n.bytes) {
        for (const a of fields(n.bytes)) {
          if ((a.number === ATTRIBUTE.g || a.number === ATTRIBUTE.graphs) && a.bytes) countNodes(a.bytes, walk);
        }
      }
    }
    const key = domain === '' || domain === 'ai.onnx' ? opType : `${domain}:${opType}`;
    walk.ops.set(key, (walk.ops.get(key) ?? 0) + 1);
  }
}

/** Reads an ONNX model; throws ProtobufError (or Error) when the bytes are not one. */
export function readOnnxInfo(bytes: Uint8Array): OnnxInfo {
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  let graph: Uint8Array | undefined;
  const opsets: { domain: string; version: number }[] = [];
  for (const f of fields(bytes)) {
    if (f.number === MODEL.irVersion && f.varint !== undefined) irVersion = int64(f.varint);
    else if (f.number === MODEL.producerName && f.bytes) producerName = text(f.bytes);
    else if (f.number === MODEL.producerVersion && f.bytes) producerVersion = text(f.bytes);
    else if (f.number === MODEL.graph && f.bytes) graph = f.bytes;
    else if (f.number === MODEL.opsetImport && f.bytes) {
      let domain = '';
      let version = 0;
      for (const o of fields(f.bytes)) {
        if (o.number === 1 && o.bytes) domain = text(o.bytes);
        else if (o.number === 2 && o.varint !== undefined) version = int64(o.varint);
      }
      opsets.push({ domain, version });
    }
  }
  // An empty or foreign file parses as a message with no known fields; a model always has a graph and an IR version.
  if (!graph || irVersion <= 0) throw new Error('it has no graph or no IR version, so it is not an ONNX model');

  let graphName = '';
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const initializerNames = new Set<string>();
  let parameters = 0;
  for (const f of fields(graph)) {
    if (!f.bytes) continue;
    if (f.number === GRAPH.name) graphName = text(f.bytes);
    else if (f.number === GRAPH.input) inputs.push(valueInfo(f.bytes));
    else if (f.number === GRAPH.output) outputs.push(valueInfo(f.bytes));
    else if (f.number === GRAPH.initializer) {
      const init = initializer(f.bytes);
      initializerNames.add(init.name);
      parameters += init.elements;
    }
  }
  const walk: GraphWalk = { ops: new Map(), nodes: 0 };
  countNodes(graph, walk);
  const ops = Object.fromEntries([...walk.ops].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)));
  return {
    irVersion,
    producerName,
    producerVersion,
    opsets,
    graphName,
    inputs: inputs.filter((i) => !initializerNames.has(i.name)),
    outputs,
    initializers: initializerNames.size,
    parameters,
    nodes: walk.nodes,
    ops,
  };
}

/** True when some dim is not a fixed size (a dim_param or unknown), or the rank itself is unknown. */
export function isDynamic(info: OnnxValueInfo): boolean {
  return info.dims === null || info.dims.some((d) => typeof d !== 'number' || d < 0);
}

/** `[batch,16]`, `[?,16]` for unknown dims, `[…]` for an unknown rank. */
export function formatOnnxDims(dims: readonly OnnxDim[] | null): string {
  if (dims === null) return '[…]';
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}
