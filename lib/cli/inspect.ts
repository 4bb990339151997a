// `tensorrt-node inspect <file.engine|file.onnx> [--backend] [--plugin lib] [--json]`: what a file holds. An engine is
// deserialized with the chosen backend (IO tensors, profiles, device memory, layers) and its store sidecar is shown
// when one sits next to it; an ONNX model is read without any backend (IO with dim_param names, opsets, op
// histogram), then given to the backend's ONNX parser, which says whether it takes the model and which inputs are
// shape tensors (a backend that cannot load only leaves that part out). The kind is told by content: TensorRT plans
// start with the "ftrt" tag.
//
// --json document, for an engine:
//   { command: 'inspect', ok: true, kind: 'engine', file, bytes, backend,
//     planTrtVersion: '10.16.1' | null,           // from the plan header, before deserializing
//     engine: { name, layers, deviceMemoryBytes,
//               inputs: [{ name, mode, dtype, shape, format, location, dataDependent }], outputs: [same],
//               profiles: [{ <input>: { min, opt, max, values?: { min, opt, max } } }] },
//     sidecar: <the store's Sidecar> | null, sidecarError: { code, message } | null }
// for an ONNX model:
//   { command: 'inspect', ok: true, kind: 'onnx', file, bytes, irVersion, producerName, producerVersion,
//     opsets: [{ domain, version }], graphName,
//     inputs: [{ name, dtype, dims: (number | string | null)[] | null }], outputs: [same],
//     initializers, parameters, nodes, ops: { <OpType>: count },   // most frequent first
//     network: { inputs: [{ name, dtype, shape, shapeTensor }], outputs: [same],           // the parser's view
//                plugins: [{ name, version, namespace, kind }],                          // its plugin layers
//                warnings: string[] } | null,                                          // in TensorRT's words
//     networkError: { code, message } | null }                     // why there is none
import path from 'node:path';
import type { Command } from 'commander';
import type { EngineSpec, TensorSpec } from '../engine-spec.js';
import { TensorRTNodeError } from '../errors.js';
import { describeOnnx } from '../onnx-network.js';
import type { NetworkTensorSpec, OnnxNetworkSpec } from '../onnx-network.js';
import { pluginText } from '../plugins.js';
import type { Backend } from '../runtime.js';
import { parsePlanHeader, sidecarPathOf } from '../store/index.js';
import type { Sidecar } from '../store/index.js';
import { backendOption, deviceOption, hostCodeOption, jsonOption, loadCliPlugins, openRuntime, pluginOption, readInputFile } from './common.js';
import { isPlan, readOnnxFile, sidecarNextTo } from './model-files.js';
import { formatOnnxDims } from './onnx-info.js';
import type { OnnxInfo } from './onnx-info.js';
import { formatBytes, formatDims, respond, table } from './output.js';
import type { Outcome } from './output.js';
import { renderSidecar } from './sidecar-text.js';

export interface EngineReport {
  readonly kind: 'engine';
  readonly file: string;
  readonly bytes: number;
  readonly backend: Backend;
  readonly planTrtVersion: string | null;
  readonly engine: EngineSpec;
  readonly sidecar: Sidecar | null;
  readonly sidecarError: { code: string; message: string } | null;
}

export interface OnnxReport extends OnnxInfo {
  readonly kind: 'onnx';
  readonly file: string;
  readonly bytes: number;
  readonly network: OnnxNetworkSpec | null;
  readonly networkError: { code: string; message: string } | null;
}

export type InspectReport = EngineReport | OnnxReport;

async function inspectEngine(file: string, bytes: Uint8Array, backend: Backend, device: number, allowEngineHostCode: boolean): Promise<EngineReport> {
  const header = parsePlanHeader(bytes, file);
  using runtime = openRuntime(backend, device, allowEngineHostCode);
  using engine = await runtime.deserialize(bytes);
  return {
    kind: 'engine',
    file: path.resolve(file),
    bytes: bytes.byteLength,
    backend,
    planTrtVersion: header.trtVersion ? header.trtVersion.slice(0, 3).join('.') : null,
    engine: engine.spec,
    ...(await sidecarNextTo(file)),
  };
}

function errorSummary(error: unknown): { code: string; message: string } {
  return error instanceof TensorRTNodeError ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: String(error) };
}

async function inspect(file: string, backend: Backend, device: number, allowEngineHostCode = false): Promise<Outcome<InspectReport>> {
  const bytes = await readInputFile(file, 'file');
  if (isPlan(bytes)) return { ok: true, data: await inspectEngine(file, bytes, backend, device, allowEngineHostCode) };
  const info = readOnnxFile(file, bytes);
  const parsed = await describeOnnx(bytes, { backend }).then(
    (network) => ({ network, networkError: null }),
    (error: unknown) => ({ network: null, networkError: errorSummary(error) }),
  );
  return { ok: true, data: { kind: 'onnx', file: path.resolve(file), bytes: bytes.byteLength, ...info, ...parsed } };
}

function renderEngine(r: EngineReport): string {
  const e = r.engine;
  // A data-dependent output's -1 extents are known only per run; say so next to the shape.
  const shape = (t: TensorSpec) => `${formatDims(t.shape)}${t.dataDependent ? ' (data-dependent)' : ''}`;
  const tensors = [...e.inputs, ...e.outputs].map((t) => [t.name, t.mode, t.dtype, shape(t), t.format, t.location]);
  const lines = [
    `engine  ${r.file} (${formatBytes(r.bytes)}${r.planTrtVersion ? `, TensorRT ${r.planTrtVersion} per its header` : ''})`,
    `name    ${e.name || '(unnamed)'}; ${e.layers} layers; device memory per context ${formatBytes(e.deviceMemoryBytes)}; backend ${r.backend}`,
    '',
    table(['TENSOR', 'MODE', 'DTYPE', 'SHAPE', 'FORMAT', 'LOCATION'], tensors),
    '',
    e.profiles.length === 0 ? 'profiles: none (all shapes are fixed)' : 'profiles:',
  ];
  e.profiles.forEach((p, i) => {
    for (const [name, range] of Object.entries(p)) {
      const v = range.values;
      lines.push(
        v
          ? `  ${i}: ${name} values min ${formatDims(v.min)} opt ${formatDims(v.opt)} max ${formatDims(v.max)} (a shape tensor, read on the host)`
          : `  ${i}: ${name} min ${formatDims(range.min)} opt ${formatDims(range.opt)} max ${formatDims(range.max)}`,
      );
    }
  });
  lines.push('');
  if (r.sidecar) lines.push(`sidecar ${sidecarPathOf(r.file)}:`, renderSidecar(r.sidecar, '  '));
  else if (r.sidecarError) lines.push(`sidecar: unusable: ${r.sidecarError.code}: ${r.sidecarError.message}`);
  else lines.push('sidecar: none (not an EngineStore engine)');
  return lines.join('\n');
}

function renderOnnx(r: OnnxReport, backend: Backend): string {
  const opsets = r.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ');
  // When the parser finds shape tensor inputs, a last column marks them (build them with --values).
  const parsed = (list: readonly NetworkTensorSpec[] | undefined, name: string) => list?.find((t) => t.name === name);
  const io = (list: OnnxInfo['inputs'], network: readonly NetworkTensorSpec[] | undefined) =>
    network?.some((t) => t.shapeTensor)
      ? table(['NAME', 'DTYPE', 'DIMS', 'TENSORRT'], list.map((v) => [v.name, v.dtype, formatOnnxDims(v.dims), parsed(network, v.name)?.shapeTensor ? 'shape tensor (--values)' : '']))
      : table(['NAME', 'DTYPE', 'DIMS'], list.map((v) => [v.name, v.dtype, formatOnnxDims(v.dims)]));
  const parser = r.network
    ? `parser  the ${backend} backend's ONNX parser takes the model${r.network.plugins.length ? `, with plugin layers: ${r.network.plugins.map(pluginText).join(', ')}` : ''}`
    : r.networkError!.code === 'BUILD_FAILED'
      ? `parser  the ${backend} backend's ONNX parser rejects the model: ${r.networkError!.message.replace(/^the ONNX parser rejected the model: /, '')}${
          /Plugin not found|plugin was not found/.test(r.networkError!.message) ? ' (a plugin: load its library with --plugin <library>)' : ''
        }`
      : `parser  not checked with the ${backend} backend: ${r.networkError!.code}: ${r.networkError!.message}`;
  return [
    `onnx    ${r.file} (${formatBytes(r.bytes)}); IR ${r.irVersion}; opsets ${opsets || 'none'}${r.producerName ? `; producer ${r.producerName} ${r.producerVersion}`.trimEnd() : ''}`,
    `graph   ${r.graphName || '(unnamed)'}: ${r.nodes} nodes, ${r.initializers} initializers (${r.parameters} parameters)`,
    parser,
    ...(r.network?.warnings ?? []).map((w) => `        TensorRT warns: ${w}`),
    '',
    'inputs:',
    io(r.inputs, r.network?.inputs),
    '',
    'outputs:',
    io(r.outputs, undefined),
    '',
    'ops:',
    table(['OP', 'COUNT'], Object.entries(r.ops).map(([op, n]) => [op, String(n)])),
  ].join('\n');
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what an engine (.engine) or an ONNX model (.onnx) holds')
    .argument('<file>', 'an engine file or an ONNX model')
    .addOption(backendOption())
    .addOption(deviceOption())
    .addOption(hostCodeOption())
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (file: string, options: { backend: Backend; device: number; allowEngineHostCode?: boolean; plugin?: string[]; json?: boolean }) => {
      const inspected = async () => (await loadCliPlugins(options.backend, options.plugin), inspect(file, options.backend, options.device, options.allowEngineHostCode));
      await respond('inspect', options, inspected, (r) => (r.kind === 'engine' ? renderEngine(r) : renderOnnx(r, options.backend)));
    });
}
