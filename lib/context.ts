// An execution context: runs one engine on its own CUDA stream. run() never blocks the JS thread; many runs may be
// in flight on one context (they pipeline on its stream) and many contexts of one engine run concurrently.
import type { NativeDeviceBuffer, NativeExecutionContext } from '../binding.js';
import { Disposable } from './disposable.js';
import { DTYPES, isDType } from './dtypes.js';
import type { DType } from './dtypes.js';
import type { EngineSpec } from './engine-spec.js';
import { DeviceTensor } from './device-tensor.js';
import { fromNative, makeError } from './errors.js';
import { Tensor } from './tensor.js';
import { validateFeeds } from './validate.js';
import type { DeviceTensorLike, Feed } from './validate.js';

export interface RunOptions {
  /** Outputs to write on the GPU instead of copying back: preallocated device tensors by output name. */
  readonly outputs?: Readonly<Record<string, DeviceTensor>>;
}

/** Host outputs come back as Tensors; outputs given in `options.outputs` come back as those DeviceTensors. */
export type RunResult = Record<string, Tensor | DeviceTensor>;

export class ExecutionContext extends Disposable {
  #profile = 0;
  /** Every input's extents in a row, refilled per run (the addon reads it synchronously). */
  readonly #dims: Float64Array;
  /** Each input's data (or device tensor), refilled per run like #dims. */
  readonly #inputs: (ArrayBufferView | DeviceTensorLike)[] = [];
  readonly #nativeInputs: (ArrayBufferView | NativeDeviceBuffer)[] = [];
  /** Output dims of the last settled run: the addon omits them when they did not change. */
  #lastOutputDims: readonly (readonly number[])[] = [];

  /** @internal */
  constructor(
    native: NativeExecutionContext,
    readonly engine: EngineSpec,
  ) {
    super(native, 'ExecutionContext');
    this.#dims = new Float64Array(engine.inputs.reduce((n, t) => n + t.shape.length, 0));
  }

  /** The optimization profile whose shape ranges apply to inputs. */
  get profile(): number {
    return this.#profile;
  }

  /** Runs submitted and not yet settled. */
  get inFlight(): number {
    return this.disposed ? 0 : this.native<NativeExecutionContext>().inFlight;
  }

  /** Selects the optimization profile for the following runs. */
  setProfile(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.engine.profiles.length) {
      throw makeError('INVALID_ARGUMENT', `profile ${index} does not exist; the engine has ${this.engine.profiles.length} (0..${this.engine.profiles.length - 1})`);
    }
    try {
      this.native<NativeExecutionContext>().setProfile(index);
    } catch (error) {
      throw fromNative(error);
    }
    this.#profile = index;
  }

  /** Runs the engine. Inputs are validated against the engine before anything reaches the GPU. */
  async run(feeds: Readonly<Record<string, Feed>>, options: RunOptions = {}): Promise<RunResult> {
    const native = this.native<NativeExecutionContext>();
    const inputs = this.#nativeInputs;
    let pending;
    try {
      validateFeeds(this.engine, this.#profile, feeds, this.#inputs, this.#dims);
      for (let i = 0; i < this.#inputs.length; i++) {
        const input = this.#inputs[i]!;
        inputs[i] = (input as DeviceTensor).onDevice ? (input as DeviceTensor).buffer.handle : (input as ArrayBufferView);
      }
      // The addon reads the inputs and dims synchronously, so both arrays are free again once it returns.
      pending = native.run(inputs, this.#dims, this.#outputTargets(options));
    } finally {
      this.#inputs.fill(undefined as never); // keep no caller buffer alive past the call
      inputs.fill(undefined as never);
    }
    let results;
    try {
      results = await pending;
    } catch (error) {
      throw fromNative(error);
    }
    let dimsList: readonly (readonly number[])[];
    let data: readonly (ArrayBuffer | undefined)[];
    if (results instanceof ArrayBuffer) {
      dimsList = this.#lastOutputDims;
      data = [results];
    } else if (!Array.isArray(results[0])) {
      dimsList = this.#lastOutputDims; // several outputs, dims unchanged: just their bytes
      data = results as unknown as ArrayBuffer[];
    } else {
      dimsList = this.#lastOutputDims = results[0];
      data = results.slice(1) as (ArrayBuffer | undefined)[];
    }
    const out: RunResult = {};
    const outputs = this.engine.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const spec = outputs[i]!;
      const dims = dimsList[i]!;
      const device = options.outputs?.[spec.name];
      if (device) {
        out[spec.name] = new DeviceTensor(device.buffer, device.dtype, dims);
        continue;
      }
      if (!isDType(spec.dtype)) throw makeError('INTERNAL', `output '${spec.name}' has dtype ${spec.dtype}, which has no Tensor type`);
      const info = DTYPES[spec.dtype];
      out[spec.name] = Tensor.trusted(spec.dtype, new info.typedArray(data[i] as ArrayBuffer), dims);
    }
    return out;
  }

  /** A round trip through the same completion path as run(), with no GPU work: the floor for benchmarks. */
  ping(): Promise<void> {
    return this.native<NativeExecutionContext>().ping();
  }

  #outputTargets(options: RunOptions): (NativeDeviceBuffer | undefined)[] | undefined {
    if (!options.outputs) return undefined;
    const names = new Set(this.engine.outputs.map((o) => o.name));
    for (const name of Object.keys(options.outputs)) {
      if (!names.has(name)) throw makeError('INVALID_INPUT', `options.outputs names '${name}', which is not an output (outputs: ${[...names].join(', ')})`, { tensor: name });
    }
    return this.engine.outputs.map((spec) => {
      const target = options.outputs![spec.name];
      if (!target) return undefined;
      if (target.dtype !== spec.dtype) {
        throw makeError('INVALID_INPUT', `output '${spec.name}': device tensor dtype ${target.dtype} differs from the engine's ${spec.dtype}`, {
          tensor: spec.name,
          expected: spec.dtype,
          actual: target.dtype,
        });
      }
      return target.buffer.handle;
    });
  }
}
