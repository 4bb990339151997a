// What an engine declares about its IO, in the package's terms (dtype names, -1 for dynamic extents).
import type { NativeEngineInfo } from '../binding.js';
import { isDType } from './dtypes.js';
import type { DType } from './dtypes.js';

export interface TensorSpec {
  readonly name: string;
  readonly mode: 'input' | 'output';
  /** The element type; engines may use types this package cannot hold in a Tensor (reported as their name). */
  readonly dtype: DType | 'fp8' | 'int4' | 'fp4' | 'unknown';
  /** Build-time shape; -1 marks a dynamic extent. */
  readonly shape: readonly number[];
  readonly format: string;
  /** 'host' for a shape tensor input: its values decide output shapes, and TensorRT reads them on the host. Feed it
   * a Tensor (not a DeviceTensor) whose values lie within the profile's `values` range. */
  readonly location: 'device' | 'host';
  /**
   * An output whose shape depends on the values it is computed from (NonZero and the like), not only on the input
   * shapes: its -1 extents are known only per run. Always false for inputs.
   */
  readonly dataDependent: boolean;
}

export interface ShapeRange {
  readonly min: readonly number[];
  readonly opt: readonly number[];
  readonly max: readonly number[];
}

/** An input's range in an optimization profile: its min/opt/max shape and, for a shape tensor input (location
 * 'host'), the min/opt/max of its values, element by element. */
export interface InputRange extends ShapeRange {
  readonly values?: ShapeRange;
}

/** How a build profile gives a shape tensor input: its min/opt/max values, element by element (a 0-D input has one).
 * Values may be negative or 0 where the network allows it (a Reshape target's -1 or 0). */
export interface ShapeValuesRange {
  readonly values: ShapeRange;
}

/** One optimization profile to build: by input name, its dims, or a shape tensor input's values. */
export type BuildProfile = Readonly<Record<string, ShapeRange | ShapeValuesRange>>;

/** One optimization profile: the min/opt/max shape of every input (and values of shape tensor inputs). */
export type ProfileSpec = Readonly<Record<string, InputRange>>;

export interface EngineSpec {
  readonly name: string;
  readonly layers: number;
  readonly deviceMemoryBytes: number;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly profiles: readonly ProfileSpec[];
}

/** The addon's dtype name as a TensorSpec dtype: a Tensor dtype, one no Tensor holds (fp8, int4, fp4), or 'unknown'. */
export function tensorDType(name: string): TensorSpec['dtype'] {
  return (isDType(name) || ['fp8', 'int4', 'fp4'].includes(name) ? name : 'unknown') as TensorSpec['dtype'];
}

export function toEngineSpec(info: NativeEngineInfo): EngineSpec {
  const tensors = info.tensors.map(
    (t): TensorSpec =>
      Object.freeze({
        name: t.name,
        mode: t.mode,
        dtype: tensorDType(t.dtype),
        shape: Object.freeze(t.shape.slice()),
        format: t.format,
        location: t.location,
        dataDependent: t.dataDependent === true,
      }),
  );
  return Object.freeze({
    name: info.name,
    layers: info.layers,
    deviceMemoryBytes: info.deviceMemoryBytes,
    inputs: Object.freeze(tensors.filter((t) => t.mode === 'input')),
    outputs: Object.freeze(tensors.filter((t) => t.mode === 'output')),
    profiles: Object.freeze(
      info.profiles.map((p) => Object.freeze(Object.fromEntries(Object.entries(p).map(([name, r]) => [name, Object.freeze(r.values ? { ...r, values: Object.freeze(r.values) } : r)])))),
    ),
  });
}
