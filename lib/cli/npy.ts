// Reads NumPy .npy files (format versions 1–3, C order, little- or big-endian numeric and bool dtypes) into plain
// values, so the CLI can feed arrays saved with numpy.save().
import { halfBitsToFloat, bfloat16BitsToFloat } from '../float16.js';

export interface NpyArray {
  /** The element type as this package names it: 'float32', 'int64', 'bool', … */
  readonly dtype: string;
  readonly dims: number[];
  /** Elements in C order: numbers, bigints for 64-bit integers, booleans for bool. */
  readonly values: (number | bigint | boolean)[];
}

export class NpyError extends Error {}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (view: DataView, offset: number, littleEndian: boolean) => number | bigint | boolean;

/** numpy kind+size → (name, size, reader). bfloat16 comes from ml_dtypes ('<V2' cannot be told apart, so only
 * the explicit 'bfloat16' descr some writers use is read). */
const KINDS: Record<string, { name: string; size: number; read: Reader }> = {
  b1: { name: 'bool', size: 1, read: (v, o) => v.getUint8(o) !== 0 },
  i1: { name: 'int8', size: 1, read: (v, o) => v.getInt8(o) },
  u1: { name: 'uint8', size: 1, read: (v, o) => v.getUint8(o) },
  i2: { name: 'int16', size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u2: { name: 'uint16', size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i4: { name: 'int32', size: 4, read: (v, o, le) => v.getInt32(o, le) },
  u4: { name: 'uint32', size: 4, read: (v, o, le) => v.getUint32(o, le) },
  i8: { name: 'int64', size: 8, read: (v, o, le) => v.getBigInt64(o, le) },
  u8: { name: 'uint64', size: 8, read: (v, o, le) => v.getBigUint64(o, le) },
  f2: { name: 'float16', size: 2, read: (v, o, le) => halfBitsToFloat(v.getUint16(o, le)) },
  f4: { name: 'float32', size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { name: 'float64', size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  bfloat16: { name: 'bfloat16', size: 2, read: (v, o, le) => bfloat16BitsToFloat(v.getUint16(o, le)) },
};

function headerField(header: string, key: string): string {
  // The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 16), }
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  if (!m) throw new NpyError(`its header has no '${key}' entry`);
  return m[1]!;
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyError('it does not start with the .npy magic \\x93NUMPY');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('it is truncated inside its header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(`it is .npy format version ${major}, which this reader does not know (1, 2 and 3 are)`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new NpyError('it is truncated inside its header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descr = headerField(header, 'descr').slice(1, -1);
  if (headerField(header, 'fortran_order') === 'True') {
    throw new NpyError('it is in Fortran order; save it in C order (numpy.ascontiguousarray) and try again');
  }
  const shapeText = headerField(header, 'shape').slice(1, -1).trim();
  const dims = shapeText === '' ? [] : shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new NpyError(`its shape (${shapeText}) is not a list of sizes`);

  const order = descr[0];
  const kind = order === '<' || order === '>' || order === '|' || order === '=' ? descr.slice(1) : descr;
  const type = KINDS[kind];
  if (!type) throw new NpyError(`its dtype '${descr}' is not supported (bool, int8–int64, uint8–uint64, float16, float32 and float64 are)`);
  const littleEndian = order !== '>';
  const count = dims.reduce((a, b) => a * b, 1);
  const needed = count * type.size;
  if (bytes.length - dataStart < needed) {
    throw new NpyError(`it holds ${bytes.length - dataStart} bytes of data but its shape (${dims.join(', ')}) of ${type.name} needs ${needed}`);
  }
  const values = new Array<number | bigint | boolean>(count);
  for (let i = 0; i < count; i++) values[i] = type.read(view, dataStart + i * type.size, littleEndian);
  return { dtype: type.name, dims, values };
}
