// The entry point of the low-level API: loads a backend (real TensorRT or the simulator) and deserializes engines.
import { readUserFile } from './user-files.js';
import type { NativeDeviceInfo, NativeEngine, NativeRuntime, NativeRuntimeInfo } from '../binding.js';
import { DeviceBuffer, DeviceTensor, deviceTensorBytes } from './device-tensor.js';
import { Disposable } from './disposable.js';
import { showValue } from './dtypes.js';
import type { DType } from './dtypes.js';
import { Engine } from './engine.js';
import { backendOf, deviceIndexOf, fromNative, makeError, requireOptionsObject } from './errors.js';
import type { TensorRTNodeError } from './errors.js';
import { getNative } from './native.js';
import { loadPluginLibraries } from './plugins.js';
import { settleable } from './settlements.js';
import { Tensor } from './tensor.js';

export type Backend = 'tensorrt' | 'simulator';
export type LogSeverity = 'internal-error' | 'error' | 'warning' | 'info' | 'verbose';
const SEVERITIES: readonly LogSeverity[] = ['internal-error', 'error', 'warning', 'info', 'verbose'];

export interface RuntimeOptions {
  /** 'tensorrt' (default) loads libnvinfer and libcudart; 'simulator' loads the bundled simulator. */
  readonly backend?: Backend;
  /** Receives TensorRT's log messages at or above `logSeverity`. Without it, messages are dropped (errors still
   * reach you as typed errors). */
  readonly logger?: (severity: LogSeverity, message: string) => void;
  readonly logSeverity?: LogSeverity;
  /**
   * The CUDA device (0 by default) that this runtime's engines, contexts and device tensors live on. Every call
   * makes it current on its thread for as long as it needs it, so runtimes of different GPUs can be used side by
   * side from one thread, and a DeviceTensor of one GPU is refused as a run's input or output on another.
   */
  readonly device?: number;
  /**
   * Lets this runtime load plans that carry host code (IRuntime::setEngineHostCodeAllowed). Version-compatible plans
   * (`buildEngine(onnx, { versionCompatible: true })`) embed TensorRT's lean runtime and load only with this set. Off
   * by default, as in TensorRT: it runs code from the plan, so set it only for plans you trust.
   */
  readonly allowEngineHostCode?: boolean;
  /** Plugin libraries to register before this runtime deserializes anything (see loadPluginLibrary): the libraries
   * of the custom plugins its engines use. TensorRT's standard plugins need none. Registration is process-wide. */
  readonly pluginLibraries?: readonly string[];
}

export interface RuntimeInfo extends Omit<NativeRuntimeInfo, 'onnxParserError'> {
  /** Why the ONNX parser cannot be used (builds from ONNX need it, running engines does not): the error a build
   * would fail with, LIBRARY_NOT_FOUND (with every path tried) or LIBRARY_VERSION (another TensorRT version than
   * libnvinfer); null when it can. */
  readonly onnxParserError: TensorRTNodeError | null;
}

export class Runtime extends Disposable {
  readonly backend: Backend;

  private constructor(native: NativeRuntime, backend: Backend) {
    super(native, 'Runtime');
    this.backend = backend;
  }

  /** Loads the backend's libraries; a missing library is a LIBRARY_NOT_FOUND error naming every path tried. */
  static create(options: RuntimeOptions = {}): Runtime {
    requireOptionsObject(options, 'Runtime.create');
    const backend = backendOf(options.backend);
    const severity = SEVERITIES.indexOf(options.logSeverity ?? 'warning');
    if (severity < 0) throw makeError('INVALID_ARGUMENT', `logSeverity must be one of ${SEVERITIES.join(', ')}`);
    const device = deviceIndexOf(options.device);
    if (options.allowEngineHostCode !== undefined && typeof options.allowEngineHostCode !== 'boolean') {
      throw makeError('INVALID_ARGUMENT', `allowEngineHostCode must be a boolean, got ${showValue(options.allowEngineHostCode)}`);
    }
    const logger = options.logger ?? undefined;
    if (logger !== undefined && typeof logger !== 'function') {
      throw makeError('INVALID_ARGUMENT', `logger must be a function (severity, message), got ${showValue(logger)}`);
    }
    const native = getNative();
    loadPluginLibraries(options.pluginLibraries, backend, 'Runtime.create');
    try {
      const toLogger = logger && ((s: number, m: string) => logger(SEVERITIES[s] ?? 'verbose', m));
      const runtime = new native.Runtime(backend, severity, toLogger, device, options.allowEngineHostCode === true);
      return new Runtime(runtime, backend);
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** Which libraries were loaded, their TensorRT version and the header version the backend was compiled with, and
   * why the ONNX parser cannot be used, if it cannot. */
  get info(): RuntimeInfo {
    const info = this.native<NativeRuntime>().info();
    return { ...info, onnxParserError: info.onnxParserError === null ? null : fromNative(info.onnxParserError) };
  }

  /** The CUDA device this runtime uses: compute capability, memory, CUDA runtime and driver versions. */
  get device(): NativeDeviceInfo {
    try {
      return this.native<NativeRuntime>().device();
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** TensorRT's version as [major, minor, patch] (from the loaded library). */
  get tensorrtVersion(): [number, number, number] {
    const v = this.info.libraryVersion;
    return [Math.floor(v / 10000), Math.floor(v / 100) % 100, v % 100];
  }

  /** Deserializes a plan (off the JS thread). Corrupt bytes give ENGINE_CORRUPT; a plan from another TensorRT
   * version or GPU gives ENGINE_INCOMPATIBLE. A plan using a plugin that no registered library provides gives
   * LIBRARY_NOT_FOUND, its `plugin` naming it: the plan is sound, load the plugin's library (loadPluginLibrary). */
  async deserialize(plan: Uint8Array): Promise<Engine> {
    if (!(plan instanceof Uint8Array)) {
      throw makeError('INVALID_ARGUMENT', 'deserialize expects the plan as a Uint8Array (e.g. a Buffer from readFile)');
    }
    try {
      const runtime = this.native<NativeRuntime>();
      return new Engine(await settleable<NativeEngine>((ticket) => runtime.deserialize(ticket, plan)));
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** Reads and deserializes an engine file. */
  async loadEngine(path: string): Promise<Engine> {
    return this.deserialize(await readUserFile(path, 'engine file'));
  }

  /** Allocates device memory. */
  createDeviceBuffer(byteLength: number): DeviceBuffer {
    try {
      return new DeviceBuffer(this.native<NativeRuntime>().createDeviceBuffer(byteLength));
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** Allocates a device tensor; with `from`, copies a host tensor into it. */
  async createDeviceTensor<D extends DType>(dtype: D, dims: readonly number[], from?: Tensor<D>): Promise<DeviceTensor<D>> {
    const bytes = deviceTensorBytes(dtype, dims, 'createDeviceTensor');
    if (from !== undefined && !(from instanceof Tensor && from.dtype === dtype && from.byteLength === bytes)) {
      throw makeError('INVALID_ARGUMENT', `createDeviceTensor: the initial values must be a ${dtype} Tensor of ${bytes} bytes, got ${from instanceof Tensor ? `${from.dtype}, ${from.byteLength} bytes` : showValue(from)}`);
    }
    const tensor = new DeviceTensor(this.createDeviceBuffer(bytes), dtype, dims);
    if (!from) return tensor;
    try {
      await tensor.buffer.write(from.data);
    } catch (error) {
      // The caller never sees this tensor, so nobody else could free its device memory before the finalizer.
      tensor.dispose();
      throw error;
    }
    return tensor;
  }

  /** Blocks until the releases still pending and all work queued on this runtime's device have finished (for
   * shutdown and tests), like cudaDeviceSynchronize, including runs of data-dependent engines that their context's
   * launcher thread has yet to put on the device; throws the classified CUDA error if that work failed (a
   * poisoned device is CUDA_STICKY). */
  synchronize(): void {
    try {
      this.native<NativeRuntime>().synchronize();
    } catch (error) {
      throw fromNative(error);
    }
  }
}
