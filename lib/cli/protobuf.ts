// A minimal protobuf wire-format reader: enough to walk an ONNX model's fields without onnx-proto (a dev-only
// dependency) or generated code. Unknown fields are skipped, as protobuf readers must.

export const WIRE = { VARINT: 0, FIXED64: 1, BYTES: 2, FIXED32: 5 } as const;

export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** For VARINT, FIXED64 and FIXED32; int64 stays exact as a bigint. */
  readonly varint?: bigint;
  /** For BYTES: a view into the message (no copy). */
  readonly bytes?: Uint8Array;
}

export class ProtobufError extends Error {}

/** Reads one varint at `pos`; returns its value and the position after it. */
function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError(`truncated varint at byte ${pos}`);
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
  throw new ProtobufError(`varint longer than 10 bytes at byte ${pos}`);
}

/** Every field of one message, in wire order. */
export function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const number = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (number === 0) throw new ProtobufError(`field number 0 at byte ${pos}`);
    switch (wireType) {
      case WIRE.VARINT: {
        const [value, next] = readVarint(buf, pos);
        pos = next;
        yield { number, wireType, varint: value };
        break;
      }
      case WIRE.FIXED64:
      case WIRE.FIXED32: {
        const size = wireType === WIRE.FIXED64 ? 8 : 4;
        if (pos + size > buf.length) throw new ProtobufError(`truncated fixed${size * 8} field ${number}`);
        const view = new DataView(buf.buffer, buf.byteOffset + pos, size);
        const value = size === 8 ? view.getBigUint64(0, true) : BigInt(view.getUint32(0, true));
        pos += size;
        yield { number, wireType, varint: value };
        break;
      }
      case WIRE.BYTES: {
        const [length, next] = readVarint(buf, pos);
        const end = next + Number(length);
        if (end > buf.length) throw new ProtobufError(`field ${number} claims ${length} bytes but only ${buf.length - next} remain`);
        pos = end;
        yield { number, wireType, bytes: buf.subarray(next, end) };
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wireType} (field ${number}) at byte ${pos}`);
    }
  }
}

/** A varint as a signed int64 (two's complement), as a JS number; int64 dims and versions fit in 2^53. */
export function int64(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function text(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The elements of a repeated int64 field: packed (one BYTES field) or not (one VARINT per element). */
export function repeatedInt64(field: Field): number[] {
  if (field.varint !== undefined) return [int64(field.varint)];
  const out: number[] = [];
  const buf = field.bytes!;
  let pos = 0;
  while (pos < buf.length) {
    const [value, next] = readVarint(buf, pos);
    out.push(int64(value));
    pos = next;
  }
  return out;
}
