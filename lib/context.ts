// An execution context: runs one engine on its own CUDA stream. run() never blocks the JS thread; many runs may be
// in flight on one context (they pipeline on its stream) and many contexts of one engine run concurrently.
import type { NativeDeviceBuffer, NativeExecutionContext, NativeRunResult } from '../binding.js';
import { Disposable } from './disposable.js';
import { DTYPES, describeType, isDType, showValue, typedArrayByteLength, typedArrayName } from './dtypes.js';
import type { AnyTypedArray, DType, DTypeInfo } from './dtypes.js';
import type { EngineSpec, TensorSpec } from './engine-spec.js';
import { DeviceTensor } from './device-tensor.js';
import { fromNative, makeError, requireOptionsObject } from './errors.js';
import { closeTicket, openTicket, settleable, settlementArena } from './settlements.js';
import type { SettlementOwner } from './settlements.js';
import { Tensor } from './tensor.js';
import { feedChecks, validateFeeds } from './validate.js';
import type { FeedChecks } from './validate.js';
import type { DeviceTensorLike, Feed, TensorLike } from './validate.js';

export interface RunOptions {
  /**
   * Where outputs go instead of a new array per run, by output name: a DeviceTensor keeps the output on the GPU; a
   * TypedArray of the output's dtype (at least as long as the output) receives its values when the run settles, so
   * a steady stream of runs allocates nothing for it. Do not read such an array before the run's promise settles.
   * On engines with a data-dependent output shape, sizes are checked when the shape is known, during the run; a
   * DeviceTensor given there cannot be used otherwise (as an input, an output or a copy) until the run settles, which
   * tells its shape.
   */
  readonly outputs?: Readonly<Record<string, DeviceTensor | AnyTypedArray>>;
}

/** Host outputs come back as Tensors (over the given TypedArray, if any); outputs given as DeviceTensors come back
 * as those DeviceTensors. */
export type RunResult = Record<string, Tensor | DeviceTensor>;
/** What a run with no DeviceTensor among its outputs gives: every output as a Tensor. */
export type HostRunResult = Record<string, Tensor>;

interface OutputShape {
  readonly dims: readonly number[];
  readonly size: number;
}

function outputShape(dims: readonly number[]): OutputShape {
  let size = 1;
  for (let k = 0; k < dims.length; k++) size *= dims[k]!;
  return { dims: Object.freeze(dims.slice()), size };
}

/** A caller's TypedArray for an output: it must be the output dtype's array type, by brand (from any realm, and
 * not an object that only has its prototype). Its length is checked natively, against the shape the run will have. */
function hostTarget(name: string, dtype: string, target: unknown): AnyTypedArray {
  const expected = isDType(dtype) ? DTYPES[dtype].arrayName : undefined;
  if (expected === undefined || typedArrayName(target) !== expected) {
    throw makeError('INVALID_INPUT', `options.outputs.${name} must be a DeviceTensor or a ${expected ?? dtype} for the ${dtype} output`, {
      tensor: name,
      expected: expected ?? dtype,
      actual: describeType(target),
    });
  }
  return target as AnyTypedArray;
}

/** How one output's results are read, looked up once per context. */
interface OutputReader {
  readonly name: string;
  readonly dtype: DType;
  readonly info: DTypeInfo;
  /** The settlement arena seen as this dtype's array (result offsets there are 8-aligned). */
  readonly arena: AnyTypedArray;
}

/** An output's reader; undefined for a dtype that no Tensor holds (fp8, int4...). */
function outputReader(spec: TensorSpec): OutputReader | undefined {
  if (!isDType(spec.dtype)) return undefined;
  const info: DTypeInfo = DTYPES[spec.dtype];
  return { name: spec.name, dtype: spec.dtype, info, arena: new info.typedArray(settlementArena) };
}

/** A copy of `count` elements of a result in the settlement arena (valid only until its batch is settled). */
function arenaCopy(reader: OutputReader, offset: number, count: number): AnyTypedArray {
  const first = offset / reader.info.bytesPerElement;
  return reader.arena.slice(first, first + count);
}

/** Copies a result into a caller's small array (JS_FILLED_TARGET_BYTES: the addon had only its byte length). The
 * addon checked that size against the output's; smaller now, the array was detached or shrunk meanwhile. */
function fillTarget(reader: OutputReader, target: AnyTypedArray, byteLength: number, bytes: ArrayBuffer | number, count: number): void {
  const info = reader.info;
  if (byteLength < count * info.bytesPerElement) {
    throw makeError('INVALID_INPUT', `the array given for output '${reader.name}' was detached or shrunk before the run finished`, { tensor: reader.name });
  }
  if (typeof bytes !== 'number') {
    typedArraySet.call(target, new info.typedArray(bytes, 0, count));
    return;
  }
  const first = bytes / info.bytesPerElement;
  if (count <= 16 && reader.dtype !== 'int64') {
    const source = reader.arena;
    for (let k = 0; k < count; k++) target[k] = source[first + k]!; // a few elements: cheaper than a view to set()
  } else {
    typedArraySet.call(target, new info.typedArray(settlementArena, bytes, count));
  }
}

/** %TypedArray%.prototype.set, not the caller's subclass's. */
const typedArraySet = Object.getPrototypeOf(Uint8Array.prototype).set as (this: AnyTypedArray, source: ArrayLike<number | bigint>) => void;

/** Host targets of up to this many bytes are filled here, from the result's bytes in the settlement arena: the addon
 * gets only their byte length, so it takes no reference to them and reads none of them per run. Larger ones it
 * copies into itself. The arena's limit for one output (copyOutSmall in native/addon/run_submission.cc). */
const JS_FILLED_TARGET_BYTES = 1024;

/** The most runs a context hands to its stream by default before later ones wait in JS (ContextOptions.maxRunsInFlight). */
export const DEFAULT_MAX_RUNS_IN_FLIGHT = 64;

/** Items (copies, kernel launches, callbacks) a CUDA stream's launch queue holds before the next launch blocks the
 * calling thread. NVIDIA does not document the depth; 1024 is the figure commonly measured, and the simulator's. */
export const LAUNCH_QUEUE_DEPTH = 1024;

/**
 * The default maxRunsInFlight for an engine: as many runs as fit in the launch queue, at most 64, at least 1.
 * A run queues a copy per input and per output, a launch per kernel and a callback. TensorRT does not tell the kernel
 * count; its layer count is the estimate (a fused layer, such as a Myelin "ForeignNode", can launch many kernels, so
 * such engines may want a lower limit still).
 */
export function defaultMaxRunsInFlight(engine: Pick<EngineSpec, 'inputs' | 'outputs' | 'layers'>): number {
  const itemsPerRun = engine.inputs.length + engine.layers + engine.outputs.length + 1;
  return Math.max(1, Math.min(DEFAULT_MAX_RUNS_IN_FLIGHT, Math.floor(LAUNCH_QUEUE_DEPTH / itemsPerRun)));
}

/** ExecutionContext.enqueueTime: runs enqueued, and the host time spent enqueueing them in all and at most. */
export interface EnqueueTime {
  readonly runs: number;
  readonly totalMicros: number;
  readonly maxMicros: number;
}

/** `index`, when the engine has such an optimization profile; otherwise an INVALID_ARGUMENT error. */
export function checkProfileIndex(index: unknown, engine: EngineSpec): number {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= engine.profiles.length) {
    throw makeError('INVALID_ARGUMENT', `profile ${showValue(index)} does not exist; the engine has ${engine.profiles.length} (0..${engine.profiles.length - 1})`);
  }
  return index;
}

export interface ContextOptions {
  /** The optimization profile for the first runs (default 0). */
  readonly profile?: number;
  /** Capture each input shape's launch as a CUDA graph and replay it. */
  readonly cudaGraph?: boolean;
  /**
   * Runs on the context's stream at once; later runs wait in JS, in call order, until earlier ones settle. A CUDA
   * stream's launch queue is bounded: once it is full, the next launch blocks the calling thread, and here that is
   * the JS thread. Each run queues its copies, one launch per kernel of the engine and a callback, so the default
   * is as many runs as fit in the queue by the engine's layer count, at most 64 (defaultMaxRunsInFlight); two runs
   * per context already keep a GPU busy.
   */
  readonly maxRunsInFlight?: number;
  /**
   * Which thread calls TensorRT's enqueueV3 for this context's runs. On a GPU, enqueueV3 launches every kernel of the
   * network from the CPU, a few microseconds each, so a network of hundreds of layers holds the calling thread for
   * a millisecond or more per run, and on the JS thread that is the event loop. `'caller'` (the default) enqueues on
   * the JS thread inside run(): the lowest latency for small networks. `'launcher'` hands each run, once its inputs
   * are checked and copied, to a thread of the context's own that makes its TensorRT and CUDA calls: a thread
   * hand-off per run (tens of microseconds at most), and an event loop that stays free however long enqueueV3
   * takes. `cudaGraph: true` is the other remedy: one graph launch per run instead of one launch per kernel, with
   * either choice. Engines with data-dependent output shapes always use their launcher, since their enqueueV3 waits
   * for the GPU. On the launcher, a DeviceTensor input is copied at the call, in its order of uses, and a DeviceTensor
   * output refuses every other use until its run settles (README, "Outputs whose shape depends on the data").
   */
  readonly enqueueOn?: 'caller' | 'launcher';
  /**
   * Runs the network once before the context is handed out, with zeroed inputs at the profile's opt shapes (fixed
   * shapes where the engine has them). On a GPU the first run of an engine's optimization profile is slow: CUDA
   * loads each kernel's code on its first launch (lazy module loading, the default since CUDA 12.2), on the thread
   * that enqueues, and the context's device buffers are not allocated yet. With createContextAsync that cost is
   * paid on a background thread; the first request then finds the kernels loaded, for this context and every other
   * context of the engine on the same profile. A failure of the warm-up run rejects the creation with its error
   * (CUDA_TRANSIENT, CUDA_STICKY, ...). Default false.
   */
  readonly warmUp?: boolean;
}

/** A run's output targets by output index, read from options.outputs once, at the call: a run settles with the
 * arrays it wrote, whatever happens to the options object afterwards. */
type ChosenTargets = readonly (DeviceTensor | AnyTypedArray | undefined)[];

/** A run waiting for admission: its inputs copied at call time, so the caller may reuse its arrays at once. */
interface WaitingRun {
  readonly feeds: Record<string, Feed>;
  readonly options: RunOptions;
  readonly targets: ChosenTargets | undefined;
  readonly resolve: (result: RunResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A copy of a host feed's data (validated already); device feeds are by reference, as for any queued run. */
function snapshot(feed: Feed): Feed {
  if ((feed as DeviceTensorLike).onDevice) return feed;
  const host = feed as TensorLike;
  return { dtype: host.dtype, dims: host.dims.slice(), data: (host.data as AnyTypedArray).slice() };
}

export class ExecutionContext extends Disposable {
  #profile = 0;
  /** What validation needs of the engine's inputs, looked up once. */
  readonly #checks: FeedChecks;
  /** How each output's results are read, by output index. */
  readonly #readers: readonly (OutputReader | undefined)[];
  /** Scratch for #offsetsFrom. */
  readonly #offsets: number[] = [];
  /** Every input's extents in a row, refilled per run (the addon reads it synchronously): a view of the native
   * context's own memory when it can give one, which runs then need not pass. */
  readonly #dims: Float64Array;
  /** What run() passes for the dims: undefined when #dims is the native context's own. */
  readonly #dimsArgument: Float64Array | undefined;
  /** Each input's data (or device tensor), refilled per run like #dims. */
  readonly #inputs: (ArrayBufferView | DeviceTensorLike)[] = [];
  readonly #nativeInputs: (ArrayBufferView | NativeDeviceBuffer)[] = [];
  /** Each output's target from options.outputs, refilled per run like #dims (the addon keeps its own references to
   * the TypedArrays it copies into, not to this list). */
  readonly #targets: (NativeDeviceBuffer | AnyTypedArray | number | undefined)[] = [];
  /** Output shapes of the last settled run (frozen once): the addon omits the dims while they do not change. */
  #outputShapes: readonly OutputShape[] = [];
  readonly #maxRunsInFlight: number;
  /** The native run(), bound to this context: it costs no unwrapping of a receiver per call. */
  readonly #nativeRun: ReturnType<NativeExecutionContext['boundRun']>;
  /** Runs handed to the addon and not yet settled. */
  #admitted = 0;
  /** Runs waiting for admission, oldest first from #waitingHead (a queue without shift()'s copying). */
  #waiting: WaitingRun[] = [];
  #waitingHead = 0;

  /** @internal */
  constructor(
    native: NativeExecutionContext,
    readonly engine: EngineSpec,
    maxRunsInFlight: number, // Engine.createContext: the option, or defaultMaxRunsInFlight(engine)
    profile: number, // the profile the native context was created with
  ) {
    super(native, 'ExecutionContext');
    this.#profile = profile;
    const own = native.dimsBuffer();
    this.#dims = own ?? new Float64Array(engine.inputs.reduce((n, t) => n + t.shape.length, 0));
    this.#dimsArgument = own === undefined ? this.#dims : undefined;
    this.#checks = feedChecks(engine);
    this.#readers = engine.outputs.map(outputReader);
    this.#maxRunsInFlight = maxRunsInFlight;
    this.#nativeRun = native.boundRun();
  }

  /** The optimization profile whose shape ranges apply to inputs. */
  get profile(): number {
    return this.#profile;
  }

  /** Runs called and not yet settled: those on the stream and those waiting for admission. */
  get inFlight(): number {
    return this.disposed ? 0 : this.native<NativeExecutionContext>().inFlight + this.waitingRuns;
  }

  /** Where this context's runs call enqueueV3: on the calling JS thread, or on its launcher thread (ContextOptions.enqueueOn). */
  get enqueueOn(): 'caller' | 'launcher' {
    return this.native<NativeExecutionContext>().enqueueOn;
  }

  /**
   * Host time this context's runs have spent in enqueueV3 (or in their CUDA graph's launch), on the thread that
   * enqueued them: the JS thread with enqueueOn 'caller', the launcher otherwise, where for an engine with
   * data-dependent output shapes it includes waiting for the kernels that decide them. On a GPU this is the launch
   * time of every kernel of the network, which trtexec reports as "Enqueue Time": a mean well above 100 us on the
   * caller is event-loop time, and the cue for enqueueOn: 'launcher' or cudaGraph: true. Runs that failed in
   * submission before enqueueV3 do not count.
   */
  get enqueueTime(): EnqueueTime {
    return this.native<NativeExecutionContext>().enqueueTime();
  }

  /** The most runs this context puts on its stream at once (ContextOptions.maxRunsInFlight). */
  get maxRunsInFlight(): number {
    return this.#maxRunsInFlight;
  }

  /** Runs waiting in JS because maxRunsInFlight runs are on the stream. */
  get waitingRuns(): number {
    return this.#waiting.length - this.#waitingHead;
  }

  /** Selects the optimization profile for the following runs. */
  setProfile(index: number): void {
    checkProfileIndex(index, this.engine);
    // Waiting runs were checked against the current profile's ranges and must run with it.
    if (this.waitingRuns > 0) {
      throw makeError('INVALID_ARGUMENT', `cannot select profile ${index} while ${this.waitingRuns} runs wait for admission (maxRunsInFlight ${this.#maxRunsInFlight}); await them first`);
    }
    try {
      this.native<NativeExecutionContext>().setProfile(index);
    } catch (error) {
      throw fromNative(error);
    }
    this.#profile = index;
  }

  /** Runs the engine. Inputs are validated against the engine before anything reaches the GPU. */
  run(feeds: Readonly<Record<string, Feed>>, options?: RunOptions & { readonly outputs?: Readonly<Record<string, AnyTypedArray>> }): Promise<HostRunResult>;
  run(feeds: Readonly<Record<string, Feed>>, options: RunOptions): Promise<RunResult>;
  run(feeds: Readonly<Record<string, Feed>>, options: RunOptions = {}): Promise<RunResult> {
    if (this.#admitted >= this.#maxRunsInFlight || this.#waiting.length > 0) return this.#wait(feeds, options);
    return this.#submit(feeds, options, null);
  }

  /** `chosen`: the targets a waiting run chose at its call, or null to read them from options now. */
  #submit(feeds: Readonly<Record<string, Feed>>, options: RunOptions, chosen: ChosenTargets | undefined | null): Promise<RunResult> {
    // Not an async function: this is the hot path, with one promise per run, settled by the addon through its ticket
    // (settlements.ts) with the result record that #runs builds.
    let promise: Promise<RunResult>;
    let ticket = -1;
    const inputs = this.#inputs;
    const nativeInputs = this.#nativeInputs;
    try {
      requireOptionsObject(options, 'run');
      this.native<NativeExecutionContext>(); // DISPOSED
      validateFeeds(this.#checks, this.#profile, feeds, inputs, this.#dims);
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i]!;
        nativeInputs[i] = (input as DeviceTensor).onDevice ? (input as DeviceTensor).buffer.handle : (input as ArrayBufferView);
      }
      // The addon reads the inputs and dims synchronously, so both arrays are free again once it returns. Inputs go
      // as trailing arguments (reading them from an array costs a native call each); most engines have one or two.
      const dims = this.#dimsArgument;
      if (chosen === null) chosen = this.#targetsOf(options);
      const targets = chosen === undefined ? undefined : this.#nativeTargets(chosen);
      promise = new Promise<RunResult>((resolve, reject) => {
        ticket = openTicket(resolve as (value: unknown) => void, reject, this.#runs, chosen);
      });
      const submit = this.#nativeRun;
      if (nativeInputs.length === 1) submit(ticket, dims, targets, nativeInputs[0]!);
      else if (nativeInputs.length === 2) submit(ticket, dims, targets, nativeInputs[0]!, nativeInputs[1]!);
      else submit(ticket, dims, targets, ...nativeInputs);
    } catch (error) {
      if (ticket >= 0) closeTicket(ticket); // the addon did not take it: its promise was never handed out
      return Promise.reject(fromNative(error)); // the TS layer's own errors pass through unchanged
    } finally {
      for (let i = 0; i < inputs.length; i++) inputs[i] = nativeInputs[i] = undefined as never; // keep no caller buffer alive
      const targets = this.#targets;
      for (let i = 0; i < targets.length; i++) targets[i] = undefined;
    }
    this.#admitted++;
    return promise;
  }

  /** How this context's runs settle: the result record from what the addon settled a run's ticket with (`extra`:
   * the run's chosen targets), and one run fewer on the stream either way. */
  readonly #runs: SettlementOwner = {
    settledValue: (results, targets) => {
      this.#settled();
      return this.#collect(results as NativeRunResult, targets as ChosenTargets | undefined);
    },
    settledFailure: (error) => {
      this.#settled();
      return fromNative(error);
    },
  };

  /** Validates now (bad input fails at the call, as for an admitted run), copies the host inputs, and queues. */
  #wait(feeds: Readonly<Record<string, Feed>>, options: RunOptions): Promise<RunResult> {
    const copies: Record<string, Feed> = {};
    let targets: ChosenTargets | undefined;
    try {
      this.native<NativeExecutionContext>(); // after dispose(): DISPOSED now, not once a run settles
      requireOptionsObject(options, 'run');
      validateFeeds(this.#checks, this.#profile, feeds, this.#inputs, this.#dims);
      for (const name of Object.keys(feeds)) copies[name] = snapshot(feeds[name]!);
      targets = this.#targetsOf(options);
    } catch (error) {
      return Promise.reject(fromNative(error));
    } finally {
      this.#inputs.fill(undefined as never);
    }
    return new Promise<RunResult>((resolve, reject) => this.#waiting.push({ feeds: copies, options, targets, resolve, reject }));
  }

  /** A run left the stream: the oldest waiting runs take its place. A run whose submission fails at once (after
   * dispose(): DISPOSED, since it never reached the stream) takes no place, so the next one is tried. */
  #settled(): void {
    this.#admitted--;
    while (this.#admitted < this.#maxRunsInFlight && this.#waitingHead < this.#waiting.length) {
      const next = this.#waiting[this.#waitingHead]!;
      this.#waiting[this.#waitingHead++] = undefined as never;
      if (this.#waitingHead === this.#waiting.length) {
        this.#waiting = [];
        this.#waitingHead = 0;
      }
      this.#submit(next.feeds, next.options, next.targets).then(next.resolve, next.reject);
    }
  }

  /** Turns what the addon resolved with into the result record. */
  #collect(results: NativeRunResult, targets: ChosenTargets | undefined): RunResult {
    // Each output's bytes: an ArrayBuffer, their offset in the settlement arena (up to 1 KB), or none (written into a
    // DeviceTensor or, by the addon, into the caller's array).
    let data: readonly (ArrayBuffer | number | undefined)[];
    if (typeof results === 'number') {
      if (this.#readers.length > 1) {
        data = this.#offsetsFrom(results); // several small outputs, one after the other
      } else {
        if (targets === undefined) return this.#collectFromArena(results);
        data = [results];
      }
    } else if (results instanceof ArrayBuffer || results === undefined) {
      data = [results]; // one output, dims unchanged: just its bytes (none when it went into the caller's array)
    } else if (!Array.isArray(results[0])) {
      data = results as unknown as (ArrayBuffer | number)[]; // several outputs, dims unchanged: just their bytes
    } else {
      this.#outputShapes = results[0].map(outputShape);
      data = results.slice(1) as (ArrayBuffer | number | undefined)[];
    }
    const out: RunResult = {};
    const outputs = this.engine.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const spec = outputs[i]!;
      const shape = this.#outputShapes[i]!;
      const target = targets?.[i];
      if (target instanceof DeviceTensor) {
        out[spec.name] = DeviceTensor.trusted(target.buffer, target.dtype, shape.dims);
        continue;
      }
      const reader = this.#readers[i];
      if (reader === undefined) throw makeError('INTERNAL', `output '${spec.name}' has dtype ${spec.dtype}, which has no Tensor type`);
      const bytes = data[i];
      const info = reader.info;
      let values: AnyTypedArray;
      if (target) {
        const byteLength = typedArrayByteLength(target);
        if (bytes !== undefined) fillTarget(reader, target, byteLength, bytes, shape.size);
        // A longer target: a view of its first elements, made with the dtype's own class (subarray() would construct
        // through the caller's subclass, running its code).
        values = byteLength === shape.size * info.bytesPerElement ? target : new info.typedArray(target.buffer as ArrayBuffer, target.byteOffset, shape.size);
      } else {
        values = typeof bytes === 'number' ? arenaCopy(reader, bytes, shape.size) : new info.typedArray(bytes as ArrayBuffer);
      }
      out[reader.name] = Tensor.trusted(reader.dtype, values as never, shape.dims, shape.size);
    }
    return out;
  }

  /** Where each output's bytes are when the addon settled several small outputs together: one after the other in
   * the arena from `first`, each at a multiple of 8 (copyAllToArena in native/addon/run_submission.cc). Dims are
   * unchanged then, so the last settled shapes give the sizes. The list is this context's own, reused per run. */
  #offsetsFrom(first: number): readonly number[] {
    const offsets = this.#offsets;
    let at = first;
    for (let i = 0; i < this.#readers.length; i++) {
      offsets[i] = at;
      const bytes = this.#outputShapes[i]!.size * (this.#readers[i]?.info.bytesPerElement ?? 0);
      at += Math.ceil(bytes / 8) * 8;
    }
    return offsets;
  }

  /** One small host output, dims unchanged: its bytes are at `offset` in the settlement arena only until the batch
   * is settled, so they are copied out here (a copy of up to 64 bytes lives on V8's heap: no allocation to free). */
  #collectFromArena(offset: number): RunResult {
    const reader = this.#readers[0];
    const shape = this.#outputShapes[0]!;
    if (reader === undefined) throw makeError('INTERNAL', `output '${this.engine.outputs[0]?.name}' has no Tensor type`);
    const out: RunResult = {};
    out[reader.name] = Tensor.trusted(reader.dtype, arenaCopy(reader, offset, shape.size) as never, shape.dims, shape.size);
    return out;
  }

  /** A round trip through the same completion path as run(), with no GPU work: a liveness check of the context's
   * stream. Rejects with the classified CUDA error (e.g. CUDA_STICKY) if the stream has failed. */
  ping(): Promise<void> {
    try {
      const native = this.native<NativeExecutionContext>();
      return settleable((ticket) => native.ping(ticket));
    } catch (error) {
      return Promise.reject(fromNative(error));
    }
  }

  /** The run's targets, if options names any (read once per run, at the call). */
  #targetsOf(options: RunOptions): ChosenTargets | undefined {
    return options.outputs === undefined ? undefined : this.#chooseTargets(options.outputs);
  }

  /** Reads and checks options.outputs, once per run. */
  #chooseTargets(targets: NonNullable<RunOptions['outputs']>): ChosenTargets {
    if (targets === null || typeof targets !== 'object') {
      throw makeError('INVALID_ARGUMENT', `options.outputs must be an object of DeviceTensors or TypedArrays by output name, got ${showValue(targets)}`);
    }
    const outputs = this.engine.outputs;
    const chosen: (DeviceTensor | AnyTypedArray | undefined)[] = new Array(outputs.length);
    let given = 0;
    for (let i = 0; i < outputs.length; i++) {
      const spec = outputs[i]!;
      const target = targets[spec.name];
      if (target === undefined || target === null) continue;
      given++;
      if (!(target instanceof DeviceTensor)) {
        chosen[i] = hostTarget(spec.name, spec.dtype, target);
        continue;
      }
      if (spec.location === 'host') {
        const array = isDType(spec.dtype) ? DTYPES[spec.dtype].arrayName : 'TypedArray';
        throw makeError('INVALID_INPUT', `output '${spec.name}' is a shape tensor output, which TensorRT writes on the host: give it a ${array} or nothing, not a DeviceTensor`, {
          tensor: spec.name,
          expected: 'a TypedArray or nothing',
          actual: 'a DeviceTensor',
        });
      }
      if (target.dtype !== spec.dtype) {
        throw makeError('INVALID_INPUT', `output '${spec.name}': device tensor dtype ${target.dtype} differs from the engine's ${spec.dtype}`, {
          tensor: spec.name,
          expected: spec.dtype,
          actual: target.dtype,
        });
      }
      chosen[i] = target;
    }
    // Every name given must be an output; counting the matches is enough unless one is not. (for-in allocates
    // nothing; a name it finds on the prototype only sends the check to Object.keys, which sees own names.)
    let names = 0;
    for (const _ in targets) names++;
    if (given !== names) {
      const names = new Set(outputs.map((o) => o.name));
      for (const name of Object.keys(targets)) {
        if (!names.has(name)) throw makeError('INVALID_INPUT', `options.outputs names '${name}', which is not an output (outputs: ${[...names].join(', ')})`, { tensor: name });
      }
    }
    return chosen;
  }

  /** What the addon takes for the chosen targets: a device tensor's buffer handle (DISPOSED if it is gone), a large
   * array, or a small array's byte length (JS_FILLED_TARGET_BYTES). */
  #nativeTargets(chosen: ChosenTargets): (NativeDeviceBuffer | AnyTypedArray | number | undefined)[] {
    const list = this.#targets;
    for (let i = 0; i < chosen.length; i++) {
      const target = chosen[i];
      if (target === undefined || target instanceof DeviceTensor) {
        list[i] = target?.buffer.handle;
        continue;
      }
      const byteLength = typedArrayByteLength(target);
      list[i] = byteLength <= JS_FILLED_TARGET_BYTES ? byteLength : target;
    }
    return list;
  }

}
