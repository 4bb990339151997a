// Telling engines from ONNX models and reading what sits next to them, for inspect, build and run.
import { existsSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { TensorRTNodeError } from '../errors.js';
import { PLAN_MAGIC, readSidecar, sidecarPathOf } from '../store/index.js';
import type { Sidecar } from '../store/index.js';
import { failure } from './errors.js';
import { readOnnxInfo } from './onnx-info.js';
import type { OnnxInfo } from './onnx-info.js';

/** TensorRT plans start with the little-endian "ftrt" tag; ONNX files have no magic number. */
export function isPlan(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === PLAN_MAGIC;
}

/** isPlan for a file, reading only its first bytes (engines are large). */
export async function fileIsPlan(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(new Uint8Array(4), 0, 4, 0);
    return isPlan(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The sidecar next to an engine (next to the file a symlink names), if any; a broken one is reported, not fatal
 * (inspect still shows the engine). */
export async function sidecarNextTo(file: string): Promise<{ sidecar: Sidecar | null; sidecarError: { code: string; message: string } | null }> {
  const sidecarPath = sidecarPathOf(await realpath(file).catch(() => file));
  if (!existsSync(sidecarPath)) return { sidecar: null, sidecarError: null };
  try {
    return { sidecar: await readSidecar(sidecarPath), sidecarError: null };
  } catch (error) {
    if (!(error instanceof TensorRTNodeError)) throw error;
    return { sidecar: null, sidecarError: { code: error.code, message: error.message } };
  }
}

/** The ONNX model's description; bytes that are not one are a failure (exit 1) saying what the file is not. */
export function readOnnxFile(file: string, bytes: Uint8Array): OnnxInfo {
  try {
    return readOnnxInfo(bytes);
  } catch (error) {
    throw failure('NOT_ONNX', `${file} is neither a TensorRT engine (it does not start with the "ftrt" tag) nor an ONNX model (${(error as Error).message}); check that the file is complete`);
  }
}
