// Options and checks every command shares: --backend, --device, --plugin, --json, and "this file must exist" as a usage
// error.
import { readFile, stat } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import { loadPluginLibrary } from '../plugins.js';
import { Runtime } from '../runtime.js';
import { isMissing, isSystemError } from '../store/files.js';
import type { Backend } from '../runtime.js';
import { usageError } from './errors.js';

export const BACKENDS: readonly Backend[] = ['tensorrt', 'simulator'];

export function backendOption(): Option {
  return new Option('--backend <name>', "'tensorrt' (NVIDIA's libraries) or 'simulator' (the bundled stand-in)").choices(BACKENDS).default('tensorrt');
}

export function deviceOption(): Option {
  return new Option('--device <index>', 'the CUDA device to use').argParser(parseDeviceIndex).default(0);
}

function parseDeviceIndex(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('--device must be a CUDA device index (0, 1, ...).');
  return n;
}

export function hostCodeOption(): Option {
  return new Option('--allow-engine-host-code', "load version-compatible engines, which embed TensorRT's lean runtime (host code): only engines you trust");
}

export function pluginOption(): Option {
  return new Option('--plugin <library>', 'a TensorRT plugin library to load first (repeat per library); TensorRT\'s standard plugins need none')
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

/** Loads the --plugin libraries: a file that is not there is a usage error (exit 2); one that does not load is the
 * typed error (LIBRARY_NOT_FOUND, INVALID_ARGUMENT). */
export async function loadCliPlugins(backend: Backend, libraries: readonly string[] | undefined): Promise<void> {
  for (const library of libraries ?? []) {
    await requireFile(library, 'plugin library');
    loadPluginLibrary(library, { backend });
  }
}

export function jsonOption(): Option {
  return new Option('--json', 'print one JSON document on stdout (documented in the command module)');
}

/** Throws a usage error (exit 2) unless `file` is an existing regular file. */
export async function requireFile(file: string, what: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(file)).isFile();
  } catch (error) {
    if (isMissing(error)) throw usageError(`the ${what} ${file} does not exist; check the path`);
    // ENOTDIR, ELOOP, ENAMETOOLONG, EACCES: the path given is unusable, which only its author can fix.
    throw fileUsageError(file, what, 'used', error);
  }
  if (!isFile) throw usageError(`the ${what} ${file} is not a file`);
}

/** A system call's failure on a file the user named is a usage error (exit 2) naming it and why; others pass. */
export function fileUsageError(file: string, what: string, verb: 'used' | 'read', error: unknown): unknown {
  return isSystemError(error) ? usageError(`the ${what} ${file} cannot be ${verb}: ${error.message}`) : error;
}

/** requireFile, then the file's bytes: one that cannot be read (no permission, ...) is a usage error (exit 2) too. */
export async function readInputFile(file: string, what: string): Promise<Uint8Array> {
  await requireFile(file, what);
  try {
    return await readFile(file);
  } catch (error) {
    throw fileUsageError(file, what, 'read', error);
  }
}

/** A runtime for the chosen backend; its typed errors (LIBRARY_NOT_FOUND, …) propagate with their messages. */
/** A runtime for the command: a device the machine lacks is a usage error (exit 2) naming the devices there are. */
export function openRuntime(backend: Backend, device = 0, allowEngineHostCode = false): Runtime {
  return Runtime.create({ backend, device, allowEngineHostCode });
}

/** TensorRT's packed version (101601) as '10.16.1'. */
export function versionString(packed: number): string {
  return `${Math.floor(packed / 10000)}.${Math.floor(packed / 100) % 100}.${packed % 100}`;
}

/** CUDA's packed version (13000) as '13.0'. */
export function cudaVersionString(packed: number): string {
  return `${Math.floor(packed / 1000)}.${Math.floor((packed % 1000) / 10)}`;
}
