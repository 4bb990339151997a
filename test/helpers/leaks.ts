// Every native resource a test file made must be gone when it ends: device and pinned memory, streams, events,
// graphs and TensorRT objects, counted by the simulator. test/setup/leak-check.ts checks it after every file.
import { expect } from 'vitest';
import { simulator } from '../../lib/testing/index.js';

let devicePoisoned = false;

/** For a file that poisons the device on purpose: as on a GPU, frees fail from then on, so the memory and streams
 * its objects held stay allocated; only the objects themselves must be gone. */
export function markDevicePoisoned(): void {
  devicePoisoned = true;
}

function live() {
  simulator.synchronize(); // releases run on the reaper thread, and stream-ordered frees on the device timeline
  const c = simulator.counters();
  return {
    objects: { runtimes: c.liveRuntimes, engines: c.liveEngines, contexts: c.liveContexts, builders: c.liveBuilders, destroyOrderViolations: c.destroyOrderViolations },
    resources: {
      deviceAllocations: c.liveDeviceAllocations,
      deviceBytes: c.liveDeviceBytes,
      pinnedAllocations: c.livePinnedAllocations,
      pinnedBytes: c.livePinnedBytes,
      streams: c.liveStreams,
      events: c.liveEvents,
      graphs: c.liveGraphs,
      graphExecs: c.liveGraphExecs,
    },
  };
}

const zero = <T extends Record<string, number>>(counts: T): T =>
  Object.fromEntries(Object.keys(counts).map((k) => [k, 0])) as T;

/** Nothing native is alive (after a poisoning marked by markDevicePoisoned, no TensorRT object is), and nothing was
 * destroyed before what depends on it (a runtime before its engines, an engine before its contexts). */
export function expectNothingLive(): void {
  const { objects, resources } = live();
  expect(objects, 'TensorRT objects still alive, or destroyed out of order').toEqual(zero(objects));
  if (!devicePoisoned) expect(resources, 'CUDA resources still allocated').toEqual(zero(resources));
}
