// Reads what a plan's first bytes tell without deserializing it. TensorRT plans (and the simulator's) start with
// the little-endian uint32 0x74727466 ("ftrt") and a layout word; with layout 0, bytes 24..27 are the major, minor,
// patch and build of the TensorRT that wrote the plan. Nothing else in the header is documented (the simulator puts
// its compute capability at 28..29, real TensorRT may not), so the compute capability comes from the sidecar.
import { open } from 'node:fs/promises';
import { makeError } from '../errors.js';
import { REBUILD_ADVICE } from './advice.js';

export const PLAN_MAGIC = 0x74727466;
const HEADER_BYTES = 28;

export interface PlanHeader {
  readonly layout: number;
  /** [major, minor, patch, build] when the layout is known (0), else undefined. */
  readonly trtVersion?: readonly [number, number, number, number];
}

/** Parses the header from the first bytes of a plan (`where` names it in errors); ENGINE_CORRUPT when they are not a
 * TensorRT plan. */
export function parsePlanHeader(bytes: Uint8Array, where: string): PlanHeader {
  if (bytes.length < 8) {
    throw makeError('ENGINE_CORRUPT', `${where} is not a TensorRT plan: it has only ${bytes.length} bytes. ${REBUILD_ADVICE}.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== PLAN_MAGIC) {
    throw makeError(
      'ENGINE_CORRUPT',
      `${where} is not a TensorRT plan: it starts with 0x${magic.toString(16).padStart(8, '0')} instead of the "ftrt" tag 0x74727466. ${REBUILD_ADVICE}.`,
      { expected: '0x74727466', actual: `0x${magic.toString(16).padStart(8, '0')}` },
    );
  }
  const layout = view.getUint32(4, true);
  if (layout !== 0) return { layout };
  if (bytes.length < HEADER_BYTES) {
    throw makeError('ENGINE_CORRUPT', `${where} is truncated inside its ${HEADER_BYTES}-byte header. ${REBUILD_ADVICE}.`);
  }
  return { layout, trtVersion: [bytes[24]!, bytes[25]!, bytes[26]!, bytes[27]!] };
}

/** Reads and parses the header of a plan file. */
export async function readPlanHeader(path: string): Promise<PlanHeader> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(HEADER_BYTES);
    const { bytesRead } = await file.read(buffer, 0, HEADER_BYTES, 0);
    return parsePlanHeader(buffer.subarray(0, bytesRead), `engine ${path}`);
  } finally {
    await file.close();
  }
}
