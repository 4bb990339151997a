// tensorrt-node/testing: helpers for testing code that uses tensorrt-node without a GPU.
export { simulator, rewritePlanHeader } from './simulator.js';
export type { SimulatorCounters, SimulatorFault } from './simulator.js';
/** @internal Calls an asynchronous method of the addon's own objects (as `ExecutionContext.native()` returns them)
 * with a fresh ticket, and returns the promise the addon settles (through an optional owner that turns the settled
 * value, as a context turns a run's): for benchmarks and tests that bypass lib/. */
export { settleable as nativeCall } from '../settlements.js';
/** @internal The first output's bytes from a native run()'s settled value, copied while it is settled (see
 * lib/settlements.ts): for the benchmark's check of its native-run variant. */
export { firstOutputBytes } from '../settlements.js';
