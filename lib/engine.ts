// A deserialized engine: its IO and profiles, and the factory of execution contexts.
import type { NativeEngine, NativeExecutionContext } from '../binding.js';
import { ExecutionContext, checkProfileIndex, defaultMaxRunsInFlight } from './context.js';
import type { ContextOptions } from './context.js';
import { Disposable } from './disposable.js';
import { toEngineSpec } from './engine-spec.js';
import type { EngineSpec, ProfileSpec, TensorSpec } from './engine-spec.js';
import { showValue } from './dtypes.js';
import { settleable } from './settlements.js';
import { fromNative, makeError, requireInteger, requireOptionsObject } from './errors.js';

/** ContextOptions, checked before anything native is made. */
interface CheckedContextOptions {
  readonly maxRunsInFlight: number;
  readonly onLauncher: boolean;
  readonly profile: number;
  readonly warmUp: boolean;
}

export class Engine extends Disposable {
  readonly spec: EngineSpec;

  /** @internal */
  constructor(native: NativeEngine) {
    super(native, 'Engine');
    this.spec = toEngineSpec(native.info());
  }

  get name(): string {
    return this.spec.name;
  }
  get inputs(): readonly TensorSpec[] {
    return this.spec.inputs;
  }
  get outputs(): readonly TensorSpec[] {
    return this.spec.outputs;
  }
  get profiles(): readonly ProfileSpec[] {
    return this.spec.profiles;
  }
  /** Layers of the built network (after TensorRT's fusions): the estimate of kernels per run. */
  get layers(): number {
    return this.spec.layers;
  }
  /** Device memory one context needs for activations. */
  get deviceMemoryBytes(): number {
    return this.spec.deviceMemoryBytes;
  }

  /**
   * A new execution context with its own CUDA stream (optionally on another optimization profile).
   *
   * `cudaGraph: true` replays the network as a captured CUDA graph while the input shapes and tensor addresses
   * repeat (the second run with the same ones captures it): one launch per run instead of one per layer, which
   * saves host time on a GPU for networks of many small layers. Runs with new shapes or device tensors at other
   * addresses go back to plain launches until they repeat; an engine whose launch cannot be captured (data-dependent
   * output shapes, for one) simply keeps plain launches.
   */
  createContext(options: ContextOptions = {}): ExecutionContext {
    const checked = this.#checkContextOptions(options, 'createContext');
    let native;
    try {
      native = this.native<NativeEngine>().createContext(checked.profile, checked.warmUp);
    } catch (error) {
      throw fromNative(error);
    }
    return this.#configure(native, options, checked);
  }

  /**
   * createContext() on a background thread. TensorRT's createExecutionContext allocates the context's activation memory
   * and sets up its kernels, which takes from milliseconds to a second for large engines: a service that adds
   * contexts while it serves (a bigger pool, a fresh context after a failure) should not hold its event loop for
   * that. The options are checked before anything is created, and the promise rejects with the same errors.
   */
  async createContextAsync(options: ContextOptions = {}): Promise<ExecutionContext> {
    const checked = this.#checkContextOptions(options, 'createContextAsync');
    let native;
    try {
      const engine = this.native<NativeEngine>();
      native = await settleable<NativeExecutionContext>((ticket) => engine.createContextAsync(ticket, checked.profile, checked.warmUp));
    } catch (error) {
      throw fromNative(error);
    }
    return this.#configure(native, options, checked);
  }

  #checkContextOptions(options: ContextOptions, what: string): CheckedContextOptions {
    requireOptionsObject(options, what);
    if (options.warmUp !== undefined && typeof options.warmUp !== 'boolean') {
      throw makeError('INVALID_ARGUMENT', `${what}: warmUp must be a boolean, got ${showValue(options.warmUp)}`);
    }
    return {
      maxRunsInFlight: requireInteger(options.maxRunsInFlight ?? defaultMaxRunsInFlight(this.spec), 'maxRunsInFlight', 1),
      onLauncher: this.#enqueuesOnLauncher(options.enqueueOn, what),
      profile: checkProfileIndex(options.profile ?? 0, this.spec),
      warmUp: options.warmUp ?? false,
    };
  }

  /** Wraps a new native context and applies the options; a context whose option fails goes at once. */
  #configure(native: NativeExecutionContext, options: ContextOptions, checked: CheckedContextOptions): ExecutionContext {
    // Owned from here: if an option fails, the context goes now (its stream and memory), not whenever it is collected.
    const context = new ExecutionContext(native, this.spec, checked.maxRunsInFlight, checked.profile);
    try {
      if (checked.onLauncher) native.enqueueOnLauncher();
      if (options.cudaGraph) native.useCudaGraphs(true);
    } catch (error) {
      context.dispose();
      throw fromNative(error);
    }
    return context;
  }

  /** The plan bytes (what an .engine file holds). */
  serialize(): Uint8Array {
    try {
      return this.native<NativeEngine>().serialize();
    } catch (error) {
      throw fromNative(error);
    }
  }

  /** ContextOptions.enqueueOn, checked: whether the context's runs go through its launcher thread. */
  #enqueuesOnLauncher(choice: unknown, what: string): boolean {
    const dataDependent = this.spec.outputs.find((t) => t.dataDependent);
    if (choice === undefined) return dataDependent !== undefined;
    if (choice !== 'caller' && choice !== 'launcher') {
      throw makeError('INVALID_ARGUMENT', `${what}: enqueueOn must be 'caller' or 'launcher', got ${showValue(choice)}`);
    }
    if (choice === 'caller' && dataDependent) {
      throw makeError(
        'INVALID_ARGUMENT',
        `${what}: enqueueOn 'caller' is not possible for this engine: the shape of output '${dataDependent.name}' depends on the data, so its enqueueV3 waits for the GPU, which would block the event loop; its runs always use the launcher`,
        { tensor: dataDependent.name },
      );
    }
    return choice === 'launcher';
  }
}
