// Control of the bundled TensorRT + CUDA simulator for tests: fault injection with the real error shapes, the
// simulated GPU, the kernel cost model and counters of live native resources.
import type { NativeSimulatorCounters } from '../../binding.js';
import { showValue } from '../dtypes.js';
import { makeError, requireInteger, requireOptionsObject } from '../errors.js';
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
  | { kind: 'capture'; count?: number }
  /** The next CUDA events cannot be created (cudaErrorMemoryAllocation); the CUDA context stays healthy. */
  | { kind: 'event-create'; count?: number };

const KINDS = { enqueue: 1, sticky: 2, alloc: 3, 'slow-kernel': 4, 'context-create': 5, capture: 6, 'event-create': 7 } as const;

// A harness that took a misspelt fault or a negative delay without a word would let a test of a failure path pass
// without the failure ever happening: every argument is checked, and a wrong one is INVALID_ARGUMENT.
function integer(value: unknown, what: string, min: number, max?: number): number {
  return requireInteger(value, `simulator: ${what}`, min, max);
}

function amount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw makeError('INVALID_ARGUMENT', `simulator: ${what} must be a finite number >= 0, got ${showValue(value)}`);
  }
  return value;
}

export const simulator = {
  injectFault(fault: SimulatorFault): void {
    requireOptionsObject(fault, 'injectFault');
    if (typeof fault.kind !== 'string' || !Object.hasOwn(KINDS, fault.kind)) {
      throw makeError('INVALID_ARGUMENT', `simulator: fault kind must be one of ${Object.keys(KINDS).join(', ')}, got ${showValue(fault.kind)}`);
    }
    const count = 'count' in fault && fault.count !== undefined ? integer(fault.count, 'fault count', 1) : 1;
    const cudaError = 'cudaError' in fault && fault.cudaError !== undefined ? integer(fault.cudaError, 'cudaError', 1, 999) : 0;
    const param =
      fault.kind === 'slow-kernel' ? amount(fault.millis, 'slow-kernel millis')
      : fault.kind === 'alloc' && fault.after !== undefined ? integer(fault.after, 'alloc after', 0)
      : 0;
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
    requireOptionsObject(device, 'setDevice');
    if (device.index !== undefined) integer(device.index, 'device index', 0, 15);
    if (device.computeCapability !== undefined) {
      const cc: unknown = device.computeCapability;
      if (!Array.isArray(cc) || cc.length !== 2) throw makeError('INVALID_ARGUMENT', `simulator: computeCapability must be [major, minor], got ${showValue(cc)}`);
      integer(cc[0], 'compute capability major', 1, 99);
      integer(cc[1], 'compute capability minor', 0, 9);
    }
    if (device.totalMemoryBytes !== undefined) integer(device.totalMemoryBytes, 'totalMemoryBytes', 1);
    if (device.name !== undefined && typeof device.name !== 'string') throw makeError('INVALID_ARGUMENT', `simulator: name must be a string, got ${showValue(device.name)}`);
    const [major, minor] = device.computeCapability ?? [0, -1];
    getNative().simulator.setDevice(major, minor, device.totalMemoryBytes ?? 0, device.name ?? '', device.index ?? -1);
  },
  /**
   * How many GPUs the simulated machine has (1 by default, or TRTSIM_DEVICE_COUNT), all alike, each with its own
   * memory. CUDA's rules apply: work for a device must be launched with that device current on the calling thread,
   * and a kernel that touches another device's memory faults. Returns the previous count.
   */
  setDeviceCount(count: number): number {
    return getNative().simulator.setDeviceCount(integer(count, 'device count', 1, 16));
  },
  getDevice(index = 0): { computeCapability: [number, number]; totalMemoryBytes: number; name: string } {
    const d = getNative().simulator.getDevice(integer(index, 'device index', 0, 15));
    return { computeCapability: [d.computeMajor, d.computeMinor], totalMemoryBytes: d.totalMemoryBytes, name: d.name };
  },
  /** Makes createExecutionContext take `millis` on its calling thread, as allocating a large engine's activation
   * memory and setting up its kernels does on a GPU (engine.createContextAsync keeps that off the JS thread). */
  setContextCreateDelay(millis: number): void {
    getNative().simulator.setContextCreateDelay(amount(millis, 'context create delay'));
  },
  /** Makes deserializeCudaEngine take `millis` on its calling thread (a pool thread of runtime.deserialize), as a
   * large engine does on a GPU: lets a test catch a deserialization in flight. */
  setDeserializeDelay(millis: number): void {
    getNative().simulator.setDeserializeDelay(amount(millis, 'deserialize delay'));
  },
  /** Makes every builder progress step take `millis`, so a test can watch progress and cancel a build. */
  setBuildStepDelay(millis: number): void {
    getNative().simulator.setBuildStepDelay(amount(millis, 'build step delay'));
  },
  /**
   * How long an idle stream worker polls for new work before it sleeps (default 50 us, or TRTSIM_STREAM_SPIN_US).
   * A GPU sees new work without an OS wake-up; polling models that. 0 makes every submission to an idle stream pay
   * a futex wake-up, as a sleeping host thread would. Returns the previous value.
   */
  setStreamSpin(micros: number): number {
    return getNative().simulator.setStreamSpin(amount(micros, 'stream spin'));
  },
  /**
   * Device time: a kernel takes launchMicros + flops / (gflops * 1e3) us, at most `concurrentKernels` at once (handed
   * out in the order kernels became ready, across streams); a copy takes bytes / (copyGBps * 1e3) us.
   * Host time: `hostLaunchMicros` of CPU on the launching thread per kernel launch and per CUDA graph launch, as the
   * driver spends in cudaLaunchKernel (a few us on real GPUs), so enqueueV3 of an N-layer network holds its caller
   * for N launches; and as much per other submission to a stream (an async copy or memset, a host function, an
   * event record). `moduleLoadMicros` of CPU on the launching thread the first time each kernel of an engine
   * launches for an optimization profile (CUDA lazy module loading; TensorRT selects kernels per profile): the
   * cold first run that warm-up exists for. counters().kernelModulesLoaded counts the loads. Omitted fields are
   * 0 = off.
   */
  setCostModel(model: {
    launchMicros?: number;
    gflops?: number;
    copyGBps?: number;
    concurrentKernels?: number;
    hostLaunchMicros?: number;
    moduleLoadMicros?: number;
  }): void {
    requireOptionsObject(model, 'setCostModel');
    const native = getNative().simulator;
    native.setCostModel(
      amount(model.launchMicros ?? 0, 'launchMicros'),
      amount(model.gflops ?? 0, 'gflops'),
      amount(model.copyGBps ?? 0, 'copyGBps'),
      integer(model.concurrentKernels ?? 0, 'concurrentKernels', 0),
    );
    native.setHostLaunchCost(amount(model.hostLaunchMicros ?? 0, 'hostLaunchMicros'));
    native.setModuleLoadCost(amount(model.moduleLoadMicros ?? 0, 'moduleLoadMicros'));
  },
  /**
   * The kernel launches and CUDA graph launches the calling thread has made so far: tells whether a context's runs
   * launch their work on this (JS) thread or on its launcher (ContextOptions.enqueueOn).
   */
  launchesOnThisThread(): { kernels: number; graphs: number } {
    return getNative().simulator.threadLaunches();
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
