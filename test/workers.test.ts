// The addon in worker threads: each environment has its own completion queue and classes, runs settle in the
// thread that started them, and a worker can exit with work finished while the main thread keeps running.
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';
import { simulatorPlan } from './helpers/engines.js';
import { RAW_SETTLEMENTS } from './helpers/raw-addon.js';

// The worker loads the addon straight from the build (no TypeScript loader in a worker).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const native = require('node-gyp-build')(workerData.root);
${RAW_SETTLEMENTS}
(async () => {
  const runtime = new native.Runtime('simulator', 2);
  const engine = await nativeCall((ticket) => runtime.deserialize(ticket, workerData.plan));
  const context = engine.createContext();
  const results = [];
  for (let i = 0; i < 4; i++) {
    const x = new Float32Array(16).fill(workerData.value + i);
    const out = await run(context, Float64Array.of(1, 16), undefined, x);
    const y = out instanceof ArrayBuffer ? out : out[1]; // bytes alone once the dims repeat
    results.push(Array.from(new Float32Array(y)));
  }
  context.dispose(); engine.dispose(); runtime.dispose();
  parentPort.postMessage(results);
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

// A worker that leaves everything undisposed (and a logger attached) when it exits: its environment's teardown
// releases the objects, the reaper thread frees contexts and engines afterwards, and nothing may crash. With
// workerData.exitMidRun it calls process.exit() while runs are still on the device: those runs finish after the
// environment is gone, so their promises can never settle, yet their memory, context and engine must still be freed
// (before this was handled they leaked, and a settle during the exit could abort the whole process).
const LEAKY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const native = require('node-gyp-build')(workerData.root);
${RAW_SETTLEMENTS}
(async () => {
  const runtime = new native.Runtime('simulator', 0, () => {}); // verbose: the logger's function is called
  const engine = await nativeCall((ticket) => runtime.deserialize(ticket, workerData.plan));
  const contexts = [engine.createContext(), engine.createContext()];
  await Promise.all(contexts.map((c) => run(c, Float64Array.of(1, 16), undefined, new Float32Array(16).fill(1))));
  parentPort.postMessage('ran');
  if (workerData.exitMidRun) {
    for (const c of contexts) for (let i = 0; i < 4; i++) run(c, Float64Array.of(1, 16), undefined, new Float32Array(16));
    // And a context still being created and an engine still being deserialized, each on a thread of its own: they
    // never reach JS, and must go too.
    native.simulator.setContextCreateDelay(30);
    native.simulator.setDeserializeDelay(30);
    nativeCall((ticket) => engine.createContextAsync(ticket));
    nativeCall((ticket) => runtime.deserialize(ticket, workerData.plan));
    setTimeout(() => process.exit(0), 5);
  }
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

// A process whose main thread does not load the addon at first (a worker pool): workers load it, keep runs in
// flight and end, by finishing with everything undisposed or by terminate() mid-run; then the main thread loads it
// too and more workers are terminated mid-run. Node unloads an addon with the last environment that loaded it: before
// the addon pinned itself, the first worker's exit deadlocked in dlclose (the process hung, even process.exit()),
// and stream threads called into the unloaded library (SIGSEGV). A terminate() while runs settled aborted the
// process from node-addon-api ("Error::Error napi_define_properties", or a C++ exception out of run()).
const POOL_PROCESS = `
const { Worker } = require('node:worker_threads');
const workerData = JSON.parse(process.argv[1]);
workerData.plan = Buffer.from(workerData.plan, 'base64');
const body = \`
const { parentPort, workerData } = require('node:worker_threads');
const native = require('node-gyp-build')(workerData.root);
${RAW_SETTLEMENTS.replace(/`/g, '\\`')}
(async () => {
  const runtime = new native.Runtime('simulator', 2);
  const engine = await nativeCall((ticket) => runtime.deserialize(ticket, workerData.plan));
  const context = engine.createContext();
  await run(context, Float64Array.of(1, 16), undefined, new Float32Array(16));
  parentPort.postMessage('ran');
  if (workerData.keepRunning) {
    setInterval(() => { for (let i = 0; i < 50; i++) run(context, Float64Array.of(1, 16), undefined, new Float32Array(16)).catch(() => {}); }, 1);
  }
})();
\`;
const start = (keepRunning) => {
  const worker = new Worker(body, { eval: true, workerData: { ...workerData, keepRunning } });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  const ran = new Promise((resolve) => worker.once('message', resolve));
  return { worker, exited, ran };
};
(async () => {
  const first = start(false);
  await first.ran;
  console.log('first worker exit ' + await first.exited);
  const terminateSome = async (n) => {
    for (let i = 0; i < n; i++) {
      const w = start(true);
      await w.ran;
      await new Promise((r) => setTimeout(r, i % 5));
      await w.worker.terminate();
    }
  };
  await terminateSome(20);
  require('node-gyp-build')(workerData.root).buildInfo();
  await terminateSome(20);
  console.log('done');
})();
`;

function runWorker(plan: Uint8Array, value: number): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { root: packageRoot, plan, value } });
    worker.once('message', (m: number[][] | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
}

describe('worker threads', () => {
  it('a worker exiting with its objects undisposed, even by process.exit() with runs in flight, releases them all', async () => {
    // Both take x [1,16]; nonzero's runs go through its contexts' launcher threads (data-dependent output shape).
    const plans = [await simulatorPlan('mlp'), await simulatorPlan('nonzero')];
    const { simulator } = await import('../lib/testing/index.js');
    for (let i = 0; i < 12; i++) {
      const plan = plans[Math.floor(i / 2) % 2];
      const worker = new Worker(LEAKY_WORKER, { eval: true, workerData: { root: packageRoot, plan, exitMidRun: i % 2 === 1 } });
      const messages: unknown[] = [];
      worker.on('message', (m) => messages.push(m));
      const exitCode = await new Promise((resolve, reject) => {
        worker.once('exit', resolve);
        worker.once('error', reject);
      });
      expect(messages).toEqual(['ran']);
      expect(exitCode).toBe(0); // its loop ran dry with the objects still alive; teardown released them
    }
    simulator.setContextCreateDelay(0);
    simulator.setDeserializeDelay(0);
    simulator.synchronize(); // waits for the reaper and the device
    const c = simulator.counters();
    expect({
      runtimes: c.liveRuntimes,
      engines: c.liveEngines,
      contexts: c.liveContexts,
      streams: c.liveStreams,
      device: c.liveDeviceAllocations,
      pinned: c.livePinnedAllocations,
    }).toEqual({ runtimes: 0, engines: 0, contexts: 0, streams: 0, device: 0, pinned: 0 });
  });

  it('a worker pool whose main thread loads the addon late: workers that end or are terminated mid-run never hang or crash the process', async () => {
    const plan = await simulatorPlan('mlp');
    const child = spawn(process.execPath, ['-e', POOL_PROCESS, JSON.stringify({ root: packageRoot, plan: Buffer.from(plan).toString('base64') })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000); // a hang shows as SIGKILL
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
    clearTimeout(timer);
    expect({ code, signal, stdout, stderr }).toEqual({ code: 0, signal: null, stdout: 'first worker exit 0\ndone\n', stderr: '' });
  }, 70_000);

  it('a worker terminated mid-build does not wait for its build, which stops at its next step', async () => {
    const { simulator } = await import('../lib/testing/index.js');
    const { buildEngine } = await import('../lib/index.js');
    const { getModel } = await import('./models/index.js');
    const { PROFILES } = await import('./helpers/engines.js');
    const onnx = getModel('mlp').onnx;
    simulator.setBuildStepDelay(100); // a build of about 0.7 s
    try {
      const builds = simulator.counters().builds;
      const worker = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const native = require('node-gyp-build')(workerData.root);
         native.build('simulator', workerData.onnx, { profiles: [[{ tensor: 'x', min: [1, 16], opt: [4, 16], max: [16, 16] }]] },
           () => parentPort.postMessage('progress')).promise.catch(() => {});`,
        { eval: true, workerData: { root: packageRoot, onnx } },
      );
      await new Promise((resolve) => worker.once('message', resolve)); // its build runs
      // A build started now in the main thread takes as long: the termination must come first.
      const built = buildEngine(onnx, { backend: 'simulator', profiles: [PROFILES.mlp!] }).then(() => 'built');
      expect(await Promise.race([worker.terminate().then(() => 'terminated'), built])).toBe('terminated');
      await built;
      expect(simulator.counters().builds - builds).toBe(1); // the worker's was cancelled, not finished
    } finally {
      simulator.setBuildStepDelay(0);
    }
  });

  it('two workers and the main thread run engines at the same time, each getting its own results', async () => {
    const plan = await simulatorPlan('mlp');
    const { Runtime, Tensor } = await import('../lib/index.js');
    const runtime = Runtime.create({ backend: 'simulator' });
    const engine = await runtime.deserialize(plan);
    const context = engine.createContext();
    const reference = async (v: number) =>
      Array.from((await context.run({ x: Tensor.from('float32', new Float32Array(16).fill(v), [1, 16]) })).y!.data as Float32Array);

    const [a, b, mainResult] = await Promise.all([runWorker(plan, 1), runWorker(plan, 10), reference(5)]);
    for (let i = 0; i < 4; i++) {
      expect(a[i]).toEqual(await reference(1 + i));
      expect(b[i]).toEqual(await reference(10 + i));
    }
    expect(mainResult).toEqual(await reference(5));
    context.dispose();
    engine.dispose();
    runtime.dispose();
  });
});
