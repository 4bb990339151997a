// Building a serialized engine (plan) from ONNX bytes, off the JS thread, with progress and cancellation.
import type { NativeBuildOptions, NativeProgressEvent } from '../binding.js';
import type { ShapeRange } from './engine-spec.js';
import { fromNative, makeError } from './errors.js';
import { getNative } from './native.js';
import type { Backend } from './runtime.js';

export type BuildProgress = NativeProgressEvent;

export interface BuildOptions {
  readonly backend?: Backend;
  /** One entry per optimization profile: min/opt/max per dynamic input. */
  readonly profiles?: readonly Readonly<Record<string, ShapeRange>>[];
  readonly workspaceBytes?: number;
  /** TensorRT's builder optimization level, 0..5 (default 3). */
  readonly optimizationLevel?: number;
  readonly onProgress?: (event: BuildProgress) => void;
  /** Aborting cancels the build (TensorRT stops at its next progress step); the promise rejects with ABORTED. */
  readonly signal?: AbortSignal;
}

/** Parses ONNX and builds a plan. Parser errors give BUILD_FAILED listing each failing node. */
export async function buildEngine(onnx: Uint8Array, options: BuildOptions = {}): Promise<Uint8Array> {
  if (!(onnx instanceof Uint8Array)) throw makeError('INVALID_ARGUMENT', 'buildEngine expects the ONNX model as a Uint8Array');
  if (options.signal?.aborted) {
    throw makeError('ABORTED', 'the build was cancelled before it started', { cause: options.signal.reason });
  }
  const nativeOptions: NativeBuildOptions = {
    profiles: options.profiles?.map((p) =>
      Object.entries(p).map(([tensor, r]) => ({ tensor, min: [...r.min], opt: [...r.opt], max: [...r.max] })),
    ),
    workspaceBytes: options.workspaceBytes,
    optimizationLevel: options.optimizationLevel,
  };
  let handle;
  try {
    handle = getNative().build(options.backend ?? 'tensorrt', onnx, nativeOptions, options.onProgress);
  } catch (error) {
    throw fromNative(error);
  }
  const onAbort = () => handle.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await handle.promise;
  } catch (error) {
    throw fromNative(error);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
