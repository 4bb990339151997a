// `tensorrt-node doctor [--backend tensorrt|simulator] [--plugin lib] [--json]`: can this machine run the chosen
// backend? One row
// per thing checked, each with a verdict and, when it is not ok, how to fix it. Exit 0 only when the backend can
// run (the addon loads, its libraries load, and a CUDA device answers); onnxruntime-node is reported but optional.
//
// --json document:
//   { command: 'doctor', ok: boolean, backend: 'tensorrt' | 'simulator',
//     node: { version: string, napiVersion: number | null },
//     addon: { loaded: boolean, napiVersion: number | null,
//              backends: [{ kind, headerVersion, simulatorHeader }], error: ErrorJson | null },
//     libraries: [{ name: 'libnvinfer', status: 'ok' | 'warn' | 'fail' | 'skip', path: string | null,
//                   version: string | null, error: ErrorJson | null, tried: string[] }],
//                                          // 'warn': the ONNX parser (only builds need it) missing or of another version
//     cuda: { runtimeVersion: '13.0', driverVersion: '13.0' } | null,
//     device: { index, name, computeCapability: '8.9', multiProcessors, totalMemoryBytes, freeMemoryBytes } | null,
//     devices: [same as device, for every CUDA device of the machine],
//     plugins: { standard: { path: string | null, tried: string[], error?: string }, libraries: string[],
//                creators: [{ name, version, namespace, kind }] } | null  (null when the libraries did not load),
//     onnxruntime: { installed: boolean, version: string | null,
//                    executionProviders: [{ name, bundled }], error: string | null },
//     checks: [{ id, title, status: 'ok' | 'warn' | 'fail' | 'skip', detail, fix: string | null, details: string[] }],
//     verdict: string }
//   ErrorJson = { code, message, details: string[] }.
import path from 'node:path';
import type { Command } from 'commander';
import type { NativeBuildInfo } from '../../binding.js';
import { TensorRTNodeError } from '../errors.js';
import { buildInfo } from '../index.js';
import type { Runtime, Backend } from '../runtime.js';
import { backendOption, cudaVersionString, jsonOption, openRuntime, pluginOption, versionString } from './common.js';
import { pluginChecks } from './doctor-plugins.js';
import type { PluginsJson } from './doctor-plugins.js';
import { reportOf } from './errors.js';
import { loadOrt, ORT_INSTALL } from './ort.js';
import { formatBytes, respond, table } from './output.js';
import type { Outcome } from './output.js';

type Status = 'ok' | 'warn' | 'fail' | 'skip';

interface ErrorJson {
  readonly code: string;
  readonly message: string;
  readonly details: readonly string[];
}

export interface Check {
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  readonly detail: string;
  readonly fix: string | null;
  readonly details: readonly string[];
}

export interface LibraryRow {
  readonly name: string;
  /** 'warn': the ONNX parser, which only builds need, cannot be used. */
  readonly status: 'ok' | 'warn' | 'fail' | 'skip';
  readonly path: string | null;
  readonly version: string | null;
  readonly error: ErrorJson | null;
  readonly tried: readonly string[];
}

interface DeviceRow {
  index: number;
  name: string;
  computeCapability: string;
  multiProcessors: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
}

function deviceRow(d: Runtime['device']): DeviceRow {
  return {
    index: d.index,
    name: d.name,
    computeCapability: d.computeCapability.join('.'),
    multiProcessors: d.multiProcessors,
    totalMemoryBytes: d.totalMemoryBytes,
    freeMemoryBytes: d.freeMemoryBytes,
  };
}

function gpuCheck(d: DeviceRow): Check {
  return check(
    d.index === 0 ? 'gpu' : `gpu:${d.index}`,
    d.index === 0 ? 'GPU' : `GPU ${d.index}`,
    'ok',
    `device ${d.index}: ${d.name}, compute capability ${d.computeCapability}, ${d.multiProcessors} SMs, ${formatBytes(d.totalMemoryBytes)} (${formatBytes(d.freeMemoryBytes)} free)`,
  );
}

export interface DoctorReport {
  readonly backend: Backend;
  readonly node: { version: string; napiVersion: number | null };
  readonly addon: { loaded: boolean; napiVersion: number | null; backends: NativeBuildInfo['backends']; error: ErrorJson | null };
  readonly libraries: readonly LibraryRow[];
  readonly cuda: { runtimeVersion: string; driverVersion: string } | null;
  /** Device 0, as `devices[0]` (kept for the documents of older versions). */
  readonly device: DeviceRow | null;
  readonly devices: readonly DeviceRow[];
  readonly plugins: PluginsJson | null;
  readonly onnxruntime: { installed: boolean; version: string | null; executionProviders: readonly { name: string; bundled: boolean }[]; error: string | null };
  readonly checks: readonly Check[];
  readonly verdict: string;
}

/** The libraries a backend opens (the simulator's stand-ins have the same roles), in the loader's order. */
const LIBRARIES = ['libnvinfer', 'libcudart', 'libnvonnxparser'] as const;

function errorJson(error: unknown): ErrorJson {
  const r = reportOf(error);
  return { code: r.code, message: r.message, details: r.details };
}

/** 'libtrtsim_nvinfer.so' → 'libnvinfer', 'libnvinfer.so.10' → 'libnvinfer'. */
function libraryName(file: string): string {
  return path.basename(file).replace(/^libtrtsim_/, 'lib').replace(/\.so.*$|\.dll$|\.dylib$/, '');
}

/** The library a LIBRARY_NOT_FOUND error is about: named in its message, else in the first path tried. */
function failingLibrary(error: TensorRTNodeError): string | undefined {
  const named = /\((lib[A-Za-z_]+)\)/.exec(error.message)?.[1];
  if (named) return named.replace(/^libtrtsim_/, 'lib');
  const first = error.details[0]?.split(':')[0];
  return first ? libraryName(first) : undefined;
}

function fixFor(error: TensorRTNodeError, backend: Backend, library: string | undefined): string {
  const lib = library ?? 'libnvinfer';
  switch (error.code) {
    case 'LIBRARY_NOT_FOUND':
      return backend === 'simulator'
        ? 'The simulator libraries are built with the addon: run `npm run build:native` in the package (cmake ≥ 3.18, a C++17 compiler).'
        : `Install TensorRT and the CUDA runtime so that ${lib}.so can be opened, or point TENSORRT_NODE_LIB_DIR at the folder holding it (tarball install: <TensorRT>/lib:/usr/local/cuda/lib64). Without a GPU, try --backend simulator.`;
    case 'LIBRARY_VERSION':
      return 'Install the TensorRT major version the addon was compiled against (see the addon row), or rebuild the addon against yours: TENSORRT_ROOT=<TensorRT dir> npm run build:native.';
    case 'CUDA_UNAVAILABLE':
      return 'Check the NVIDIA driver with `nvidia-smi`; in a container, run it with the NVIDIA Container Toolkit (--gpus all).';
    case 'ADDON_NOT_BUILT':
      return 'Build the addon: `npm rebuild tensorrt-node` (cmake ≥ 3.18 and a C++17 compiler; TensorRT itself is not needed to build).';
    default:
      return 'See the error above; `tensorrt-node doctor --json` gives every detail.';
  }
}

/** The table keeps one line per row; the whole message stays in the JSON document. */
function firstSentence(message: string): string {
  const end = message.indexOf('. ');
  return end < 0 ? message : message.slice(0, end + 1);
}

function check(id: string, title: string, status: Status, detail: string, fix: string | null = null, details: readonly string[] = []): Check {
  return { id, title, status, detail, fix, details };
}

async function doctor(backend: Backend, pluginLibraries: readonly string[]): Promise<Outcome<DoctorReport>> {
  const checks: Check[] = [];
  const nodeNapi = process.versions.napi === undefined ? null : Number(process.versions.napi);
  const node = { version: process.version, napiVersion: nodeNapi };

  // The addon.
  let info: NativeBuildInfo | undefined;
  let addonError: ErrorJson | null = null;
  try {
    info = buildInfo();
  } catch (error) {
    addonError = errorJson(error);
    checks.push(check('addon', 'addon', 'fail', `${addonError.code}: ${addonError.message}`, error instanceof TensorRTNodeError ? fixFor(error, backend, undefined) : null));
  }
  const addon = { loaded: info !== undefined, napiVersion: info?.napiVersion ?? null, backends: info?.backends ?? [], error: addonError };
  const napiOk = info === undefined || nodeNapi === null || nodeNapi >= info.napiVersion;
  checks.unshift(
    check(
      'node',
      'Node.js',
      napiOk ? 'ok' : 'fail',
      `Node ${process.version}, N-API ${nodeNapi ?? 'unknown'}`,
      napiOk ? null : `The addon needs N-API ${info!.napiVersion}; upgrade Node.js (this package supports Node >= 20.17).`,
    ),
  );
  if (info) {
    const compiled = info.backends.map((b) => `${b.kind} (headers ${b.headerVersion}${b.simulatorHeader ? ', simulator' : ''})`).join(', ');
    const hasBackend = info.backends.some((b) => b.kind === backend);
    checks.push(
      check(
        'addon',
        'addon',
        hasBackend ? 'ok' : 'warn',
        `N-API ${info.napiVersion}; backends compiled: ${compiled || 'none'}`,
        hasBackend ? null : `This addon was compiled without the '${backend}' backend: rebuild it against the TensorRT headers (TENSORRT_ROOT=<TensorRT dir> npm run build:native).`,
      ),
    );
  }

  // The backend's libraries, CUDA and the GPU: all known only once a runtime loads.
  const libraries: LibraryRow[] = [];
  let cuda: DoctorReport['cuda'] = null;
  const devices: DeviceRow[] = [];
  let runtimeOk = false;
  let failure = '';
  let pluginsJson: PluginsJson | null = null;
  if (info) {
    let runtime: Runtime | undefined;
    try {
      runtime = openRuntime(backend);
    } catch (error) {
      if (!(error instanceof TensorRTNodeError)) throw error;
      const failing = failingLibrary(error) ?? LIBRARIES[0];
      failure = `${failing} could not be loaded (${error.code})`;
      for (const name of LIBRARIES) {
        if (name === failing) {
          libraries.push({ name, status: 'fail', path: null, version: null, error: errorJson(error), tried: error.details });
          checks.push(check(`library:${name}`, name, 'fail', `${error.code}: ${firstSentence(error.message)}`, fixFor(error, backend, name), error.details.map((d) => `tried ${d}`)));
        } else {
          libraries.push({ name, status: 'skip', path: null, version: null, error: null, tried: [] });
          checks.push(check(`library:${name}`, name, 'skip', `not checked: loading stopped at ${failing}`));
        }
      }
    }
    if (runtime) {
      try {
        const rt = runtime.info;
        const trt = versionString(rt.libraryVersion);
        for (const file of rt.libraryPaths) {
          const name = libraryName(file);
          const version = name === 'libnvinfer' ? trt : null;
          libraries.push({ name, status: 'ok', path: file, version, error: null, tried: [] });
          const detail = name === 'libnvinfer' ? `${file} (TensorRT ${trt}, headers ${versionString(rt.headerVersion)})` : file;
          checks.push(check(`library:${name}`, name, 'ok', detail));
        }
        const parserError = rt.onnxParserError;
        if (parserError) {
          const name = 'libnvonnxparser';
          libraries.push({ name, status: 'warn', path: null, version: null, error: errorJson(parserError), tried: parserError.details });
          const fix =
            parserError.code === 'LIBRARY_VERSION'
              ? "Builds from ONNX need the parser of libnvinfer's TensorRT version (running engines does not): install it, or point TENSORRT_NODE_LIB_DIR at one TensorRT install's lib folder."
              : `Builds from ONNX need it (running engines does not): ${fixFor(parserError, backend, name)}`;
          const tried = parserError.details.map((d) => `tried ${d}`);
          checks.push(check(`library:${name}`, name, 'warn', `${parserError.code}: ${firstSentence(parserError.message)}`, fix, tried));
        }
        const pluginRows = pluginChecks(backend, pluginLibraries);
        pluginsJson = pluginRows.plugins;
        checks.push(...pluginRows.checks);
        const badPlugin = pluginRows.checks.find((c) => c.status === 'fail');
        if (badPlugin) failure = `the plugin library ${badPlugin.id.slice('plugin:'.length)} does not load`;
        try {
          const d = runtime.device;
          cuda = { runtimeVersion: cudaVersionString(d.cudaRuntimeVersion), driverVersion: cudaVersionString(d.cudaDriverVersion) };
          devices.push(deviceRow(d));
          const driverOld = Math.floor(d.cudaDriverVersion / 1000) < Math.floor(d.cudaRuntimeVersion / 1000);
          checks.push(
            check(
              'cuda',
              'CUDA',
              driverOld ? 'fail' : 'ok',
              `runtime ${cuda.runtimeVersion}, driver ${cuda.driverVersion}`,
              driverOld ? `The driver supports CUDA ${cuda.driverVersion} but the runtime is ${cuda.runtimeVersion}: update the NVIDIA driver.` : null,
            ),
          );
          checks.push(gpuCheck(devices[0]!));
          runtimeOk = !driverOld;
          if (driverOld) failure = `the NVIDIA driver (CUDA ${cuda.driverVersion}) is older than the CUDA runtime (${cuda.runtimeVersion})`;
          // The other GPUs, each through a runtime of its own (a runtime makes its device current when it works).
          for (let index = 1; index < d.deviceCount; index++) {
            try {
              using other = openRuntime(backend, index);
              const row = deviceRow(other.device);
              devices.push(row);
              checks.push(gpuCheck(row));
            } catch (error) {
              if (!(error instanceof TensorRTNodeError)) throw error;
              runtimeOk = false;
              failure ||= `GPU ${index} does not answer (${error.code})`;
              checks.push(check(`gpu:${index}`, `GPU ${index}`, 'fail', `${error.code}: ${error.message}`, fixFor(error, backend, undefined), error.details));
            }
          }
        } catch (error) {
          if (!(error instanceof TensorRTNodeError)) throw error;
          failure = `no usable CUDA device (${error.code})`;
          checks.push(check('gpu', 'GPU', 'fail', `${error.code}: ${error.message}`, fixFor(error, backend, undefined), error.details));
        }
      } finally {
        runtime.dispose();
      }
    }
  } else {
    failure = `the addon could not be loaded (${addonError!.code})`;
  }

  // onnxruntime-node: optional, only `run --compare cpu` needs it.
  const ortLoad = await loadOrt();
  let onnxruntime: DoctorReport['onnxruntime'];
  if (ortLoad.installed) {
    let providers: readonly { name: string; bundled: boolean }[] = [];
    let providerError: string | null = null;
    try {
      providers = ortLoad.ort.listSupportedBackends?.() ?? [];
    } catch (error) {
      providerError = (error as Error).message;
    }
    onnxruntime = { installed: true, version: ortLoad.version, executionProviders: providers, error: providerError };
    const eps = providers.map((p) => `${p.name}${p.bundled ? '' : ' (not bundled)'}`).join(', ');
    checks.push(
      check(
        'onnxruntime',
        'onnxruntime-node',
        providerError ? 'warn' : 'ok',
        `${ortLoad.version ?? 'version unknown'}; execution providers: ${providerError ? `unknown (${providerError})` : eps || 'not listed by this version'}`,
      ),
    );
  } else {
    onnxruntime = { installed: false, version: null, executionProviders: [], error: ortLoad.message };
    checks.push(
      check(
        'onnxruntime',
        'onnxruntime-node',
        'warn',
        ortLoad.missing ? 'not installed (optional: only `run --compare cpu` needs it)' : `installed but does not load: ${ortLoad.message}`,
        ortLoad.missing ? ORT_INSTALL : `Reinstall it: ${ORT_INSTALL}`,
      ),
    );
  }

  const ok = info !== undefined && runtimeOk && checks.every((c) => c.status !== 'fail' || c.id === 'onnxruntime');
  // Engines run without the ONNX parser; builds do not, which a verdict of "can run" alone would hide.
  const parserRow = libraries.find((l) => l.name === 'libnvonnxparser' && l.status === 'warn');
  const noBuilds = parserRow?.error ? `, but it cannot build engines from ONNX (libnvonnxparser: ${parserRow.error.code})` : '';
  const verdict = ok ? `the '${backend}' backend can run on this machine${noBuilds}` : `the '${backend}' backend cannot run on this machine: ${failure || 'see the failed rows'}`;
  return { ok, data: { backend, node, addon, libraries, cuda, device: devices[0] ?? null, devices, plugins: pluginsJson, onnxruntime, checks, verdict } };
}

const MARK: Record<Status, string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: '-' };

function render(report: DoctorReport): string {
  const rows = report.checks.map((c) => [c.title, MARK[c.status], c.detail]);
  const lines = [table(['CHECK', 'STATUS', 'DETAIL'], rows)];
  const notes = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn' || c.details.length > 0);
  for (const c of notes) {
    lines.push('', `${c.title}:`);
    for (const d of c.details) lines.push(`  ${d}`);
    if (c.fix) lines.push(`  fix: ${c.fix}`);
  }
  lines.push('', `verdict: ${report.verdict}`);
  return lines.join('\n');
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check that this machine can run TensorRT engines (addon, libraries, CUDA, GPU, onnxruntime-node)')
    .addOption(backendOption())
    .addOption(pluginOption())
    .addOption(jsonOption())
    .action(async (options: { backend: Backend; plugin?: string[]; json?: boolean }) => {
      await respond('doctor', options, () => doctor(options.backend, options.plugin ?? []), render);
    });
}
