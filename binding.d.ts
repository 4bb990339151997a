// The typed surface of the native addon (build/Release/tensorrt_node.node). Only lib/ imports it; the public API is
// lib/index.ts. Errors thrown or rejected by these functions are plain Errors carrying a NativeErrorFields shape.

export interface NativeErrorFields {
  code: string;
  message: string;
  trtErrorCode?: number;
  cudaError?: number;
  trtMessages?: string[];
  trtLog?: string[];
  details?: string[];
  tensor?: string;
}

export interface NativeBuildInfo {
  napiVersion: number;
  backends: { kind: 'tensorrt' | 'simulator'; headerVersion: string; simulatorHeader: boolean }[];
}

export interface NativeTensorInfo {
  name: string;
  mode: 'input' | 'output';
  dtype: string;
  shape: number[];
  format: string;
  location: 'device' | 'host';
  /** An output whose shape depends on the values computed (found by a probe context at deserialize). */
  dataDependent: boolean;
}

export interface NativeEngineInfo {
  name: string;
  layers: number;
  deviceMemoryBytes: number;
  tensors: NativeTensorInfo[];
  /** Per profile, each input's min/opt/max dims; a shape tensor input also has its min/opt/max values. */
  profiles: Record<string, { min: number[]; opt: number[]; max: number[]; values?: { min: number[]; opt: number[]; max: number[] } }>[];
}

export interface NativeRuntimeInfo {
  backend: 'tensorrt' | 'simulator';
  libraryVersion: number;
  headerVersion: number;
  libraryPaths: string[];
  /** Why the ONNX parser cannot be used (builds need it, running engines does not): the error a build would fail
   * with (LIBRARY_NOT_FOUND, LIBRARY_VERSION), as the addon throws it; null when it can. */
  onnxParserError: (Error & { code: string; details?: string[] }) | null;
}

/** [dims of every output, then each output's bytes (undefined for outputs written to a DeviceBuffer or copied into
 * a TypedArray target)]. The dims arrays are shared between runs of the same shapes: copy before changing them.
 * When every output is on the host and their dims equal those of the previous run settled on this context (runs
 * settle in order), only the bytes: the ArrayBuffer for one output (undefined if it went into a target), an array
 * of them for several. Bytes of up to 1 KB come as their offset in the settlement arena instead of an ArrayBuffer
 * (valid until settleBatch returns: copy them out). Engines with a data-dependent output shape always resolve with
 * the dims, that run's own. */
export type NativeRunResult =
  | [readonly (readonly number[])[], ...(ArrayBuffer | number | undefined)[]]
  | ArrayBuffer
  | number
  | undefined
  | (ArrayBuffer | number | undefined)[];

export declare class NativeDeviceBuffer {
  private constructor();
  readonly byteLength: number;
  readonly disposed: boolean;
  /** Asynchronous methods take a ticket from lib/settlements.ts first and settle its promise (with undefined here). */
  write(ticket: number, source: ArrayBufferView | ArrayBuffer, offset?: number): void;
  /** Settles the ticket with an ArrayBuffer. */
  read(ticket: number, offset?: number, length?: number): void;
  /** Copies the first byteLength bytes (default: all) into target, on this GPU or another; ordered with both. */
  copyTo(ticket: number, target: NativeDeviceBuffer, byteLength?: number): void;
  dispose(): void;
}

export declare class NativeExecutionContext {
  private constructor();
  readonly inFlight: number;
  readonly disposed: boolean;
  /** Settles the ticket (lib/settlements.ts) with a NativeRunResult. `dims`: every input's extents one after the
   * other, in engine input order (or undefined: the ones written into dimsBuffer()); then the output targets (or undefined), then one argument per input, in engine
   * input order. A target given as a number is the byte length of an array the caller fills itself from the result:
   * the addon checks the output fits and settles its bytes as if no target were given. */
  run(
    ticket: number,
    dims: Float64Array | undefined,
    outputTargets: (NativeDeviceBuffer | ArrayBufferView | number | undefined)[] | undefined,
    ...inputs: (ArrayBufferView | NativeDeviceBuffer)[]
  ): void;
  /** Settles the ticket with undefined once the work queued on the stream so far has finished. */
  ping(ticket: number): void;
  /** A Float64Array over the context's own memory for every input's extents in order: write a run's dims there and
   * pass undefined as run()'s dims. Undefined where the runtime refuses external ArrayBuffers. */
  dimsBuffer(): Float64Array | undefined;
  setProfile(index: number): void;
  useCudaGraphs(enabled: boolean): void;
  /** From the next run on, make the runs' TensorRT and CUDA calls on the context's own launcher thread. */
  enqueueOnLauncher(): void;
  /** Where the runs call enqueueV3: on the calling JS thread, or on the context's launcher thread. */
  readonly enqueueOn: 'caller' | 'launcher';
  /** run() as a function of its own, bound to this context (no receiver to unwrap per call); DISPOSED once it is. */
  boundRun(): (
    ticket: number,
    dims: Float64Array | undefined,
    outputTargets: (NativeDeviceBuffer | ArrayBufferView | number | undefined)[] | undefined,
    ...inputs: (ArrayBufferView | NativeDeviceBuffer)[]
  ) => void;
  /** ping() the same way. */
  boundPing(): (ticket: number) => void;
  /** Host time the runs spent in enqueueV3 (or a graph launch), on whichever thread enqueued them. */
  enqueueTime(): { runs: number; totalMicros: number; maxMicros: number };
  dispose(): void;
}

export declare class NativeEngine {
  private constructor();
  readonly disposed: boolean;
  info(): NativeEngineInfo;
  /** A context on `profile` (default 0); `warmUp` runs it once first (native/addon/warm_up.h). */
  createContext(profile?: number, warmUp?: boolean): NativeExecutionContext;
  /** createContext on a background thread; settles the ticket (lib/settlements.ts) with the context. */
  createContextAsync(ticket: number, profile?: number, warmUp?: boolean): void;
  serialize(): Uint8Array;
  dispose(): void;
}

export interface NativeDeviceInfo {
  index: number;
  /** How many CUDA devices the machine has (indices 0..deviceCount-1). */
  deviceCount: number;
  /** The GPU's name ("unknown" when the CUDA runtime cannot tell). */
  name: string;
  computeCapability: [number, number];
  multiProcessors: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  /** 13000 for CUDA 13.0 */
  cudaRuntimeVersion: number;
  cudaDriverVersion: number;
}

export declare class NativeRuntime {
  constructor(backend: 'tensorrt' | 'simulator', minSeverity: number, logger?: (severity: number, message: string) => void, device?: number, allowEngineHostCode?: boolean);
  readonly disposed: boolean;
  info(): NativeRuntimeInfo;
  device(): NativeDeviceInfo;
  /** Deserializes on a thread of its own; settles the ticket (lib/settlements.ts) with the engine. */
  deserialize(ticket: number, plan: Uint8Array): void;
  createDeviceBuffer(byteLength: number): NativeDeviceBuffer;
  synchronize(): void;
  dispose(): void;
}

export interface NativeBuildOptions {
  /** `values`: min/opt/max are a shape tensor input's values, not its dimensions. */
  profiles?: { tensor: string; min: number[]; opt: number[]; max: number[]; values?: boolean }[][];
  workspaceBytes?: number;
  optimizationLevel?: number;
  precision?: 'fp32' | 'fp16' | 'bf16' | 'int8';
  stronglyTyped?: boolean;
  calibrationCache?: Uint8Array;
  timingCache?: Uint8Array;
  versionCompatible?: boolean;
  excludeLeanRuntime?: boolean;
  hardwareCompatibility?: 'none' | 'ampere+' | 'same-compute-capability';
  /** Model outputs to mark as shape tensor outputs (INetworkDefinition::markOutputForShapes). */
  shapeOutputs?: string[];
  /** IO tensors' memory layouts by name (ITensor::setAllowedFormats), as the format names engines report. */
  ioFormats?: Record<string, string>;
  device?: number;
}

export interface NativeNetworkTensor {
  name: string;
  dtype: string;
  shape: number[];
  shapeTensor: boolean;
}

export interface NativeNetworkDescription {
  inputs: NativeNetworkTensor[];
  outputs: NativeNetworkTensor[];
  /** The plugins the network's layers use, each once. */
  plugins: NativePluginCreator[];
  /** What the parser logged as warnings or errors, as the build's trtLog. */
  trtLog: string[];
}

export interface NativeProgressEvent {
  kind: 'start' | 'step' | 'finish';
  phase: string;
  parent?: string;
  steps?: number;
  step?: number;
}

export interface NativeSimulatorCounters {
  liveDeviceAllocations: number;
  liveDeviceBytes: number;
  livePinnedAllocations: number;
  livePinnedBytes: number;
  liveStreams: number;
  liveEvents: number;
  kernelsExecuted: number;
  copiesExecuted: number;
  hostCallbacksExecuted: number;
  implicitDeviceSyncs: number;
  stickyError: number;
  liveRuntimes: number;
  liveEngines: number;
  liveContexts: number;
  liveBuilders: number;
  enqueues: number;
  builds: number;
  timingCacheHits: number;
  timingCacheMisses: number;
  liveGraphs: number;
  liveGraphExecs: number;
  graphLaunches: number;
  /** An IRuntime destroyed before its engines, or an engine before its contexts (undefined behaviour on TensorRT). */
  destroyOrderViolations: number;
  /** Submissions that found their stream's queue full and blocked the calling thread (on the JS thread: the event
   * loop) until the stream made room, as a CUDA launch does when the launch queue is full. */
  blockedLaunches: number;
  /** Kernels whose code the simulated driver loaded: on first launch (lazy loading) or with their engine (EAGER). */
  kernelModulesLoaded: number;
}

export interface NativeSimulatorControl {
  injectFault(kind: number, count: number, cudaError?: number, param?: number): void;
  clearFaults(): void;
  clearStickyError(): void;
  counters(): NativeSimulatorCounters;
  setDevice(computeMajor: number, computeMinor: number, totalMemoryBytes?: number, name?: string, index?: number): void;
  getDevice(index?: number): { computeMajor: number; computeMinor: number; totalMemoryBytes: number; name: string };
  setDeviceCount(count: number): number;
  setCostModel(launchMicros: number, gflops: number, copyGBps: number, concurrentKernels: number): void;
  /** CPU time burnt on the launching thread per kernel launch and per graph launch, in us (0: off). */
  setHostLaunchCost(micros: number): void;
  setModuleLoadCost(micros: number): void;
  /** The kernel and graph launches the calling thread has made. */
  threadLaunches(): { kernels: number; graphs: number };
  setBuildStepDelay(millis: number): void;
  setContextCreateDelay(millis: number): void;
  setDeserializeDelay(millis: number): void;
  /** Sets the stream workers' doorbell polling time (omit to only read it); returns the previous value in us. */
  setStreamSpin(micros?: number): number;
  deviceSynchronize(): number;
}

export interface NativePluginCreator {
  name: string;
  version: string;
  namespace: string;
  /** 'v3' (IPluginV3 plugins), 'v2' (the legacy IPluginV2 ones), or the interface kind TensorRT reports. */
  kind: string;
  /** The file whose loading registered it (libnvinfer_plugin, or a loadPluginLibrary library); null when unknown. */
  library: string | null;
}

export interface NativePluginStatus {
  /** libnvinfer exports its plugin registry (plugin libraries can be loaded). */
  registry: boolean;
  /** TensorRT's standard plugins (libnvinfer_plugin): where they were registered from, or why they were not. */
  standard: { path: string | null; tried: string[]; error?: string };
  /** Libraries loaded with loadPluginLibrary, by real path. */
  libraries: string[];
  creators: NativePluginCreator[];
}

export interface NativeBinding {
  Runtime: typeof NativeRuntime;
  Engine: typeof NativeEngine;
  ExecutionContext: typeof NativeExecutionContext;
  DeviceBuffer: typeof NativeDeviceBuffer;
  buildInfo(): NativeBuildInfo;
  build(
    backend: 'tensorrt' | 'simulator',
    onnx: Uint8Array,
    options?: NativeBuildOptions,
    onProgress?: (event: NativeProgressEvent) => void,
  ): {
    /** trtLog: what the parser and the builder logged as warnings ("[W] ...") or errors ("[E] ..."), the latest 32, after
     * a first "(N earlier lines left out)" when there were more. */
    promise: Promise<{ plan: Uint8Array; timingCache: Uint8Array; libraryVersion: number; plugins: NativePluginCreator[]; trtLog: string[] }>;
    cancel(): void;
  };
  /** What TensorRT's ONNX parser makes of a model's inputs and outputs, and the plugins it uses, without building. */
  describeOnnx(backend: 'tensorrt' | 'simulator', onnx: Uint8Array): Promise<NativeNetworkDescription>;
  /** What the backend's plugin registry holds and where its plugins came from. */
  plugins(backend: 'tensorrt' | 'simulator'): NativePluginStatus;
  /** Registers the plugins of a shared library for the whole process (IPluginRegistry::loadLibrary); a library loaded
   * before is not loaded again. */
  loadPluginLibrary(backend: 'tensorrt' | 'simulator', path: string): void;
  simulator: NativeSimulatorControl;
  /** This thread's completion polling time in us (omit to only read it); returns the previous value. */
  setCompletionPolling(micros?: number): number;
  completionStats(): { wakeUps: number; settled: number };
  /** Installs the function that settles this environment's tickets, settleBatch(ticket, value, ~ticket, error, ...),
   * and the arena a run's small output travels in (settled then with its byte offset there, see NativeRunResult). */
  installSettle(settleBatch: (...batch: unknown[]) => void, arena: ArrayBuffer): void;
}
