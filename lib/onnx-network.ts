// What TensorRT's ONNX parser makes of a model without building an engine: its inputs' and outputs' types and dims as
// TensorRT sees them, which inputs are shape tensors (their values decide output shapes, so a build profile gives
// their values, not their dims), which plugins its layers use, and what it warned of. Only the parser knows which
// inputs are shape tensors and which nodes become plugin layers: it follows each input to the layers that read it.
import { tensorDType } from './engine-spec.js';
import type { TensorSpec } from './engine-spec.js';
import { fromNative, makeError } from './errors.js';
import { getNative } from './native.js';
import { loadPluginLibraries } from './plugins.js';
import type { PluginCreatorSpec } from './plugins.js';
import type { Backend } from './runtime.js';
import { warningsOf } from './trt-log.js';

export interface NetworkTensorSpec {
  readonly name: string;
  readonly dtype: TensorSpec['dtype'];
  /** -1 for a dynamic extent. */
  readonly shape: readonly number[];
  /** An input whose values decide output shapes (TensorRT's ITensor::isShapeTensor): build profiles give it
   * `{ values: { min, opt, max } }` and TensorRT reads it on the host. */
  readonly shapeTensor: boolean;
}

export interface OnnxNetworkSpec {
  readonly inputs: readonly NetworkTensorSpec[];
  readonly outputs: readonly NetworkTensorSpec[];
  /** The TensorRT plugins the parser made layers of (RoiAlign as ROIAlign_TRT, operators without an importer as the
   * plugin of their name), each once: an engine of the model needs them registered to deserialize. */
  readonly plugins: readonly PluginCreatorSpec[];
  /** What the parser warned of, in TensorRT's words (a plugin node's attribute left to the creator's default, ...):
   * the first 16 and the latest 16, with a line that counts those left out between. A build says them too. */
  readonly warnings: readonly string[];
}

/** Parses `onnx` with the backend's ONNX parser (off the JS thread) and describes its inputs and outputs. A model the
 * parser rejects is BUILD_FAILED listing each failing node, as buildEngine says. `pluginLibraries`: as buildEngine's. */
export async function describeOnnx(
  onnx: Uint8Array,
  options: { readonly backend?: Backend; readonly pluginLibraries?: readonly string[] } = {},
): Promise<OnnxNetworkSpec> {
  if (!(onnx instanceof Uint8Array)) throw makeError('INVALID_ARGUMENT', 'describeOnnx expects the ONNX model as a Uint8Array');
  loadPluginLibraries(options.pluginLibraries, options.backend, 'describeOnnx');
  let described;
  try {
    described = await getNative().describeOnnx(options.backend ?? 'tensorrt', onnx);
  } catch (error) {
    throw fromNative(error);
  }
  const spec = (t: (typeof described.inputs)[number]): NetworkTensorSpec =>
    Object.freeze({
      name: t.name,
      dtype: tensorDType(t.dtype),
      shape: Object.freeze(t.shape),
      shapeTensor: t.shapeTensor,
    });
  return Object.freeze({
    inputs: Object.freeze(described.inputs.map(spec)),
    outputs: Object.freeze(described.outputs.map(spec)),
    plugins: Object.freeze(described.plugins.map((p) => Object.freeze({ ...p }))),
    warnings: Object.freeze(warningsOf(described.trtLog)),
  });
}
