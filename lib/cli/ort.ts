// onnxruntime-node is an optional peer: loaded with a dynamic import only when a command needs it, looked up next
// to this package first and then from the current folder (a global CLI with a project-local onnxruntime).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const ORT_PACKAGE = 'onnxruntime-node';
// ONNXRUNTIME_NODE_INSTALL=skip: its install script would download CUDA providers from NuGet, which --compare cpu does
// not need (and which fails offline).
export const ORT_INSTALL = `ONNXRUNTIME_NODE_INSTALL=skip npm install ${ORT_PACKAGE}`;

/** The parts of onnxruntime-node's API the CLI uses (typed here: it may not be installed at build time). */
export interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number> | ArrayLike<bigint> | readonly string[];
  dispose?(): void;
}
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
export interface OrtModule {
  readonly InferenceSession: { create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
  readonly env?: { readonly versions?: Readonly<Record<string, string>> };
  readonly listSupportedBackends?: () => readonly { name: string; bundled: boolean }[];
}

export type OrtLoad =
  | { readonly installed: true; readonly ort: OrtModule; readonly version: string | null }
  | { readonly installed: false; readonly missing: boolean; readonly message: string };

function isMissingPackage(error: unknown): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(`'${ORT_PACKAGE}'`);
}

async function importFromCwd(): Promise<unknown> {
  const resolved = createRequire(path.join(process.cwd(), 'package.json')).resolve(ORT_PACKAGE);
  return import(pathToFileURL(resolved).href);
}

let loading: Promise<OrtLoad> | undefined;

export function loadOrt(): Promise<OrtLoad> {
  loading ??= (async (): Promise<OrtLoad> => {
    // A variable specifier: bundlers leave it alone and TypeScript does not require the package's types.
    const specifier: string = ORT_PACKAGE;
    let mod: unknown;
    try {
      mod = await import(specifier);
    } catch (first) {
      if (!isMissingPackage(first)) return { installed: false, missing: false, message: (first as Error).message };
      try {
        mod = await importFromCwd();
      } catch (second) {
        if (isMissingPackage(second)) return { installed: false, missing: true, message: `${ORT_PACKAGE} is not installed` };
        return { installed: false, missing: false, message: (second as Error).message };
      }
    }
    const ort = ((mod as { default?: OrtModule }).default ?? mod) as OrtModule;
    const versions = ort.env?.versions;
    return { installed: true, ort, version: versions?.node ?? versions?.common ?? null };
  })();
  return loading;
}
