// tensorrt-node/testing: helpers for testing code that uses tensorrt-node without a GPU.
export { simulator, rewritePlanHeader } from './simulator.js';
export type { SimulatorCounters, SimulatorFault } from './simulator.js';
