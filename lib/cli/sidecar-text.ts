// The human form of an EngineStore sidecar, shared by inspect, build and verify.
import { pluginText } from '../plugins.js';
import type { Sidecar } from '../store/index.js';
import { formatBytes, formatDims } from './output.js';

/** The build warnings shown: a few, then how many more the sidecar holds (a large int8 model has hundreds). */
const WARNINGS_SHOWN = 3;

function warningLines(warnings: readonly string[]): string[] {
  const lines = warnings.slice(0, WARNINGS_SHOWN).map((w, i) => `${i === 0 ? 'warned    ' : '          '}TensorRT: ${w}`);
  const more = warnings.length - WARNINGS_SHOWN;
  if (more > 0) lines.push(`          … and ${more} more in the sidecar's build_warnings`);
  return lines;
}

/** `withWarnings: false` leaves out the build's warnings (build has just printed them). */
export function renderSidecar(s: Sidecar, indent = '', { withWarnings = true } = {}): string {
  const profiles = s.build_options.profiles
    .map((p, i) =>
      Object.entries(p)
        .map(([n, r]) => {
          const range = 'values' in r ? r.values : r;
          return `${i}: ${n} ${'values' in r ? 'values ' : ''}${formatDims(range.min)}..${formatDims(range.max)} (opt ${formatDims(range.opt)})`;
        })
        .join('; '),
    )
    .join(' | ');
  return [
    `model     ${s.task}.${s.model_name} revision ${s.model_revision} (onnx sha256 ${s.onnx_sha256.slice(0, 16)}…)`,
    `target    ${s.backend} TensorRT ${s.trt_version}, CUDA ${s.cuda_version}, compute capability ${s.compute_capability}, ${s.device_name}`,
    `precision ${s.precision}${s.build_options.flags.length ? ` (flags ${s.build_options.flags.join(', ')})` : ''}`,
    `profiles  ${profiles || 'none'}`,
    ...(s.build_options.shape_outputs?.length ? [`outputs   shape tensor outputs (on the host): ${s.build_options.shape_outputs.join(', ')}`] : []),
    ...(s.build_options.io_formats ? [`formats   ${Object.entries(s.build_options.io_formats).map(([n, f]) => `${n} ${f}`).join(', ')} (others linear)`] : []),
    ...(s.plugins?.length ? [`plugins   ${s.plugins.map(pluginText).join(', ')}`] : []),
    `plan      ${formatBytes(s.plan_bytes)}, sha256 ${s.plan_sha256.slice(0, 16)}…`,
    `built     ${s.created_at} by ${s.builder}`,
    ...(withWarnings ? warningLines(s.build_warnings ?? []) : []),
  ]
    .map((l) => indent + l)
    .join('\n');
}
