// doctor's plugin rows: where TensorRT's standard plugins came from (or why they did not load: optional, so a
// warning), and each --plugin library the user asked to check.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { TensorRTNodeError } from '../errors.js';
import { loadPluginLibrary, plugins } from '../plugins.js';
import type { PluginStatus } from '../plugins.js';
import type { Backend } from '../runtime.js';
import type { Check } from './doctor.js';
import { reportOf } from './errors.js';

export type PluginsJson = Pick<PluginStatus, 'standard' | 'libraries' | 'creators'>;

const STANDARD_FIX =
  "Install TensorRT's plugin library (libnvinfer_plugin.so.<major>, from the same TensorRT package as libnvinfer) next to libnvinfer, or add its folder to TENSORRT_NODE_LIB_DIR.";

/** Loads each library of `libraries`, then reads the registry: one row per library, one for the standard plugins. */
export function pluginChecks(backend: Backend, libraries: readonly string[]): { plugins: PluginsJson; checks: Check[] } {
  const checks: Check[] = [];
  for (const library of libraries) {
    const title = `plugin ${path.basename(library)}`;
    try {
      loadPluginLibrary(library, { backend });
      // The creators its loading registered (the registry knows them by the library's real path), however often it
      // was loaded before.
      const real = realpathSync(library);
      const provided = plugins({ backend }).creators.filter((c) => c.library === real);
      const names = provided.map((c) => `${c.name} v${c.version}`).join(', ');
      checks.push(row(`plugin:${library}`, title, 'ok', `${path.resolve(library)}: ${provided.length} plugin creator(s)${names ? `: ${names}` : ''}`));
    } catch (error) {
      if (!(error instanceof TensorRTNodeError)) throw error;
      const r = reportOf(error);
      checks.push(row(`plugin:${library}`, title, 'fail', `${r.code}: ${r.message}`, 'Check that the file is a TensorRT plugin library built for this TensorRT version and that its dependencies can be found (ldd).', r.details));
    }
  }
  const status = plugins({ backend });
  const count = `${status.creators.length} plugin creator(s) registered`;
  if (status.standard.path) {
    checks.unshift(row('plugins', 'TensorRT plugins', 'ok', `${status.standard.path}; ${count}`));
  } else {
    const why = status.standard.error ?? "libnvinfer_plugin could not be loaded: engines and models that use TensorRT's standard plugins (ROIAlign_TRT, EfficientNMS_TRT, ...) will not load";
    checks.unshift(row('plugins', 'TensorRT plugins', 'warn', `${why}; ${count}`, STANDARD_FIX, status.standard.tried.map((t) => `tried ${t}`)));
  }
  return { plugins: { standard: status.standard, libraries: status.libraries, creators: status.creators }, checks };
}

function row(id: string, title: string, status: Check['status'], detail: string, fix: string | null = null, details: readonly string[] = []): Check {
  return { id, title, status, detail, fix, details };
}
