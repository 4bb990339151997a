// GPU-resident memory and tensors: a DeviceTensor can be a run's input or output, so engines chain without a host
// round trip. Reads and writes are asynchronous copies through pinned staging.
import type { NativeDeviceBuffer } from '../binding.js';
import { Disposable } from './disposable.js';
import { DTYPES, isDType, showValue } from './dtypes.js';
import type { DType } from './dtypes.js';
import { makeError } from './errors.js';
import { settleable } from './settlements.js';
import { Tensor } from './tensor.js';

export class DeviceBuffer extends Disposable {
  /** @internal */
  constructor(native: NativeDeviceBuffer) {
    super(native, 'DeviceBuffer');
  }

  /** @internal */
  get handle(): NativeDeviceBuffer {
    return this.native<NativeDeviceBuffer>();
  }

  get byteLength(): number {
    return this.handle.byteLength;
  }

  /** Copies host bytes into the buffer at `offset`. */
  async write(source: ArrayBufferView, offset = 0): Promise<void> {
    const handle = this.handle;
    return settleable((ticket) => handle.write(ticket, source, offset));
  }

  /** Copies `length` bytes from `offset` back to the host. */
  async read(offset = 0, length?: number): Promise<ArrayBuffer> {
    const handle = this.handle;
    return settleable((ticket) => handle.read(ticket, offset, length));
  }

  /** Copies the first `byteLength` bytes (default: all) into `target`, which may be on another GPU. Ordered like
   * every use of either buffer: after the work already queued on them, before what is queued next. */
  async copyTo(target: DeviceBuffer, byteLength?: number): Promise<void> {
    if (!(target instanceof DeviceBuffer)) throw makeError('INVALID_ARGUMENT', 'copyTo expects a DeviceBuffer as its target');
    const handle = this.handle;
    const targetHandle = target.handle;
    return settleable((ticket) => handle.copyTo(ticket, targetHandle, byteLength));
  }
}

/** The bytes a tensor of `dtype` and `dims` takes; INVALID_ARGUMENT (naming `who`) for anything that is not one. */
export function deviceTensorBytes(dtype: unknown, dims: unknown, who: string): number {
  if (!isDType(dtype)) throw makeError('INVALID_ARGUMENT', `${who}: unknown dtype ${showValue(dtype)}; expected one of ${Object.keys(DTYPES).join(', ')}`);
  if (!Array.isArray(dims) || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw makeError('INVALID_ARGUMENT', `${who}: dims must be an array of non-negative integers, got ${Array.isArray(dims) ? `[${dims.map(showValue).join(',')}]` : showValue(dims)}`);
  }
  const bytes = (dims as number[]).reduce((a, b) => a * b, 1) * DTYPES[dtype].bytesPerElement;
  if (!Number.isSafeInteger(bytes)) {
    throw makeError('INVALID_ARGUMENT', `${who}: ${dtype}[${(dims as number[]).join(',')}] would need ${bytes} bytes, more than any device holds`);
  }
  return bytes;
}

/** A typed view of a DeviceBuffer: dtype and dims, for feeding or receiving a run on the GPU. */
export class DeviceTensor<D extends DType = DType> {
  readonly onDevice = true as const;

  constructor(
    readonly buffer: DeviceBuffer,
    readonly dtype: D,
    readonly dims: readonly number[],
  ) {
    if (!(buffer instanceof DeviceBuffer)) throw makeError('INVALID_ARGUMENT', `DeviceTensor needs a DeviceBuffer, got ${showValue(buffer)}`);
    const bytes = deviceTensorBytes(dtype, dims, 'DeviceTensor');
    if (bytes > buffer.byteLength) {
      throw makeError('INVALID_ARGUMENT', `DeviceTensor ${dtype}[${dims.join(',')}] needs ${bytes} bytes; the buffer has ${buffer.byteLength}`);
    }
  }

  /** @internal Wraps a run's output target with the shape the run gave it, skipping the constructor's checks: the run
   * checked the size when it was called, and the caller may have disposed the buffer since (the run still finished
   * into it, so it resolves; using the tensor then is DISPOSED, as for any disposed buffer). */
  static trusted<D extends DType>(buffer: DeviceBuffer, dtype: D, dims: readonly number[]): DeviceTensor<D> {
    const t = Object.create(DeviceTensor.prototype) as { -readonly [K in keyof DeviceTensor<D>]: DeviceTensor<D>[K] };
    t.onDevice = true;
    t.buffer = buffer;
    t.dtype = dtype;
    t.dims = dims;
    return t as DeviceTensor<D>;
  }

  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /** Copies the tensor into `target`'s memory, on this GPU or another (a runtime per device), and returns it
   * there with this tensor's dtype and dims: the way to hand a GPU result to an engine on another GPU. */
  async copyTo(target: DeviceTensor | DeviceBuffer): Promise<DeviceTensor<D>> {
    const buffer = target instanceof DeviceTensor ? target.buffer : target;
    if (!(buffer instanceof DeviceBuffer)) throw makeError('INVALID_ARGUMENT', 'copyTo expects a DeviceTensor or a DeviceBuffer as its target');
    const bytes = deviceTensorBytes(this.dtype, this.dims, 'copyTo');
    if (bytes > buffer.byteLength) {
      throw makeError('INVALID_ARGUMENT', `copyTo: ${this.dtype}[${this.dims.join(',')}] needs ${bytes} bytes; the target holds ${buffer.byteLength}`);
    }
    await this.buffer.copyTo(buffer, bytes);
    // Sizes were checked above; the target may have been disposed since, and the copy still finished into it.
    return DeviceTensor.trusted(buffer, this.dtype, this.dims);
  }

  /** Copies the tensor to the host. */
  async toTensor(): Promise<Tensor<D>> {
    const size = this.dims.reduce((a, b) => a * b, 1);
    const info = DTYPES[this.dtype];
    const bytes = await this.buffer.read(0, size * info.bytesPerElement);
    return new Tensor(this.dtype, new info.typedArray(bytes) as Tensor<D>['data'], this.dims);
  }

  dispose(): void {
    this.buffer.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
