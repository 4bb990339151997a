// Control of the bundled TensorRT + CUDA simulator for tests: fault injection with the real error shapes, the
// simulated GPU, the kernel cost model and counters of live native resources.
import type { NativeSimulatorCounters } from '../../binding.js';
import { getNative } from '../native.js';

export type SimulatorCounters = NativeSimulatorCounters;

export type SimulatorFault =
  /** enqueueV3 fails with "Error Code 1: Cuda Runtime (...)" and the CUDA context stays healthy. */
  | { kind: 'enqueue'; count?: number; cudaError?: number }
  /** The next kernel fails on the "device" and poisons the process (700 illegal address by default). */
  | { kind: 'sticky'; cudaError?: number }
  /** The next device or pinned allocations fail with cudaErrorMemoryAllocation, after `after` more succeeded. */
  | { kind: 'alloc'; count?: number; after?: number }
  /** The next kernels take `millis` longer. */
  | { kind: 'slow-kernel'; count?: number; millis: number }
  /** The next execution contexts cannot allocate their activation memory. */
  | { kind: 'context-create'; count?: number }
  /** The next CUDA stream captures end invalidated (as another thread's prohibited call would do it). */
  | { kind: 'capture'; count?: number };

const KINDS = { enqueue: 1, sticky: 2, alloc: 3, 'slow-kernel': 4, 'context-create': 5, capture: 6 } as const;

export const simulator = {
  injectFault(fault: SimulatorFault): void {
    const count = 'count' in fault && fault.count !== undefined ? fault.count : 1;
    const cudaError = 'cudaError' in fault ? (fault.cudaError ?? 0) : 0;
    const param = fault.kind === 'slow-kernel' ? fault.millis : fault.kind === 'alloc' ? (fault.after ?? 0) : 0;
    getNative().simulator.injectFault(KINDS[fault.kind], count, cudaError, param);
  },
  clearFaults(): void {
    getNative().simulator.clearFaults();
  },
  /** Test-only: forgets a sticky error (impossible on real hardware, where the process must be restarted). */
  clearStickyError(): void {
    getNative().simulator.clearStickyError();
  },
  /** Live allocations, streams, events and TensorRT objects, plus work counters. */
  counters(): SimulatorCounters {
    return getNative().simulator.counters();
  },
  /** Waits for all simulated device work (stream-ordered frees included). */
  synchronize(): void {
    getNative().simulator.deviceSynchronize();
  },
  /** Describes the simulated GPUs: every one, or only `index` (a machine with GPUs of different kinds). Plans record
   * the compute capability of the device they were built on and refuse to load on another. */
  setDevice(device: { index?: number; computeCapability?: readonly [number, number]; totalMemoryBytes?: number; name?: string }): void {
    const [major, minor] = device.computeCapability ?? [0, -1];
    getNative().simulator.setDevice(major, minor, device.totalMemoryBytes ?? 0, device.name ?? '', device.index ?? -1);
  },
  /**
   * How many GPUs the simulated machine has (1 by default, or TRTSIM_DEVICE_COUNT), all alike, each with its own
   * memory. CUDA's rules apply: work for a device must be launched with that device current on the calling thread,
   * and a kernel that touches another device's memory faults. Returns the previous count.
   */
  setDeviceCount(count: number): number {
    if (!Number.isInteger(count) || count < 1 || count > 16) throw new RangeError(`device count must be 1..16, got ${count}`);
    return getNative().simulator.setDeviceCount(count);
  },
  getDevice(index = 0): { computeCapability: [number, number]; totalMemoryBytes: number; name: string } {
    const d = getNative().simulator.getDevice(index);
    return { computeCapability: [d.computeMajor, d.computeMinor], totalMemoryBytes: d.totalMemoryBytes, name: d.name };
  },
  /** Makes every builder progress step take `millis`, so a test can watch progress and cancel a build. */
  setBuildStepDelay(millis: number): void {
    getNative().simulator.setBuildStepDelay(millis);
  },
  /**
   * How long an idle stream worker polls for new work before it sleeps (default 50 us, or TRTSIM_STREAM_SPIN_US).
   * A GPU sees new work without an OS wake-up; polling models that. 0 makes every submission to an idle stream pay
   * a futex wake-up, as a sleeping host thread would. Returns the previous value.
   */
  setStreamSpin(micros: number): number {
    return getNative().simulator.setStreamSpin(micros);
  },
  /** Kernel time = launchMicros + flops / (gflops * 1e3) us, at most `concurrentKernels` at once; all 0 = off. */
  setCostModel(model: { launchMicros?: number; gflops?: number; copyGBps?: number; concurrentKernels?: number }): void {
    getNative().simulator.setCostModel(model.launchMicros ?? 0, model.gflops ?? 0, model.copyGBps ?? 0, model.concurrentKernels ?? 0);
  },
};

/** Byte offsets of the simulator's plan header (the first 28 bytes follow the layout trtexec reads). */
const PLAN = { serializationTag: 16, version: 24, computeCapability: 28 } as const;

/** A copy of a simulator plan that claims another TensorRT version and/or GPU, for compatibility tests. */
export function rewritePlanHeader(
  plan: Uint8Array,
  change: { trtVersion?: readonly [number, number, number, number]; computeCapability?: readonly [number, number] },
): Uint8Array {
  const out = new Uint8Array(plan);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (change.trtVersion) {
    const [major, minor, patch, build] = change.trtVersion;
    out.set([major, minor, patch, build], PLAN.version);
    // The serialization tag moves with the version, as TensorRT's does.
    view.setUint32(PLAN.serializationTag, 239 + (major - 10) * 64 + (minor - 16) * 2 + (patch - 1), true);
  }
  if (change.computeCapability) out.set(change.computeCapability, PLAN.computeCapability);
  return out;
}
