// TensorRT plugins: layers that TensorRT's own libraries do not implement (ROIAlign_TRT, EfficientNMS_TRT, custom
// ones), found by name, version and namespace in one plugin registry per process. An engine or model that uses one
// needs the library providing it registered before it is deserialized or parsed. TensorRT's standard plugins
// (libnvinfer_plugin) are registered when a backend is first loaded, when the library is found; other libraries
// are loaded with `loadPluginLibrary` or the `pluginLibraries` option of Runtime.create, buildEngine, describeOnnx and
// EngineStore.getOrBuild.
import path from 'node:path';

import type { NativePluginStatus } from '../binding.js';
import { showValue } from './dtypes.js';
import { backendOf, fromNative, makeError } from './errors.js';
import type { PluginRef } from './errors.js';
import { getNative } from './native.js';
import type { Backend } from './runtime.js';

export interface PluginCreatorSpec {
  readonly name: string;
  readonly version: string;
  readonly namespace: string;
  /** 'v3' (IPluginV3 plugins), 'v2' (the legacy IPluginV2 ones), or the interface kind TensorRT reports. */
  readonly kind: string;
  /** The file whose loading registered it: TensorRT's libnvinfer_plugin, or a library loaded with loadPluginLibrary
   * (or the pluginLibraries options). null when something else registered it. */
  readonly library: string | null;
}

export interface PluginStatus {
  /** TensorRT's standard plugins (libnvinfer_plugin): the file they were registered from, or null with the paths
   * tried and why each failed. Engines and models that use none of them do not need it. */
  readonly standard: { readonly path: string | null; readonly tried: readonly string[]; readonly error?: string };
  /** Libraries loaded with loadPluginLibrary (or the pluginLibraries options), by real path. */
  readonly libraries: readonly string[];
  /** Every plugin creator registered in the process: the standard ones, those of loaded libraries, and any that other
   * code in the process registered. */
  readonly creators: readonly PluginCreatorSpec[];
}

/** What the backend's plugin registry holds and where its plugins came from. Loads the backend's libraries if no
 * runtime did yet (LIBRARY_NOT_FOUND when they are missing). */
export function plugins(options: { readonly backend?: Backend } = {}): PluginStatus {
  let status: NativePluginStatus;
  try {
    status = getNative().plugins(backendOf(options.backend));
  } catch (error) {
    throw fromNative(error);
  }
  return Object.freeze({
    standard: Object.freeze({ ...status.standard, tried: Object.freeze(status.standard.tried) }),
    libraries: Object.freeze(status.libraries),
    creators: Object.freeze(status.creators.map((c) => Object.freeze({ ...c }))),
  });
}

/**
 * Registers the plugins of a shared library for the whole process, so every runtime, build and parse of the backend
 * can use them: a library that registers its creators when it is opened (REGISTER_TENSORRT_PLUGIN), or one that
 * exports getCreators or getPluginCreators (TensorRT's IPluginRegistry::loadLibrary). Loading a library again does
 * nothing. A file that cannot be opened is LIBRARY_NOT_FOUND with the loader's reason; one without plugins, or
 * that TensorRT refuses (a plugin registered already), is INVALID_ARGUMENT. Synchronous: it opens the library on the
 * calling thread, once per process. Libraries stay loaded for the life of the process: engines may run their code at
 * any time.
 */
export function loadPluginLibrary(file: string, options: { readonly backend?: Backend } = {}): void {
  if (typeof file !== 'string' || file === '') {
    throw makeError('INVALID_ARGUMENT', `the plugin library must be a file path, got ${showValue(file)}`);
  }
  const backend = backendOf(options.backend);
  try {
    getNative().loadPluginLibrary(backend, path.resolve(file));
  } catch (error) {
    throw fromNative(error);
  }
}

/** Loads each of `libraries` (the pluginLibraries option of Runtime.create, buildEngine and describeOnnx). */
export function loadPluginLibraries(libraries: readonly string[] | undefined, backend: Backend | undefined, where: string): void {
  if (libraries === undefined) return;
  if (!Array.isArray(libraries)) {
    throw makeError('INVALID_ARGUMENT', `${where}: pluginLibraries must be an array of file paths, got ${showValue(libraries)}`);
  }
  for (const library of libraries) loadPluginLibrary(library, { backend });
}

/** A plugin as messages name it: "Swish_TRTN (version 1)", with its namespace when it has one. */
export function pluginText(plugin: Pick<PluginRef, 'name' | 'version' | 'namespace'>): string {
  return `${plugin.name} (version ${plugin.version}${plugin.namespace ? `, namespace ${plugin.namespace}` : ''})`;
}

/** The plugins of `needed` that no creator of the registry (`status`, from plugins()) provides. */
export function unregisteredPlugins(needed: readonly PluginRef[], status: PluginStatus): PluginRef[] {
  return needed.filter((p) => !status.creators.some((c) => c.name === p.name && c.version === p.version && c.namespace === p.namespace));
}

/** Where the registry's plugins (`status`, from plugins()) came from, one line each, as the errors about a missing
 * plugin say it. */
export function pluginSources(status: PluginStatus): string[] {
  const standard = status.standard.path !== null && status.standard.error === undefined
    ? `TensorRT's standard plugins are registered, from ${status.standard.path}`
    : status.standard.error !== undefined
      ? `TensorRT's standard plugins were not registered: ${status.standard.error}`
      : `TensorRT's standard plugins (libnvinfer_plugin) could not be loaded: ${status.standard.tried.join('; ')}`;
  const loaded = status.libraries.length === 0
    ? 'no plugin library was loaded: load the one that provides it with the pluginLibraries option or loadPluginLibrary()'
    : `plugin libraries loaded: ${status.libraries.join(', ')}`;
  return [standard, loaded];
}
