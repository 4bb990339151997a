// npm run bench:memory — memory over a long run: does anything grow with the number of runs?
//
// Cycles of BENCH_RUNS_PER_CYCLE runs, BENCH_DEPTH in flight over two contexts of the tiny Add engine, mixing every
// path a service takes:
//   - run() with new outputs (most runs), run() into the caller's output arrays, and two runs chained through a
//     DeviceTensor (one writes it on the GPU, the next reads it);
//   - a transient enqueue failure every 1000 runs (the rejection is checked, and the next runs go on);
//   - per cycle: an engine deserialized, two contexts created, run and disposed; a device buffer written, read and
//     disposed; and one context and one device buffer dropped without dispose(), for the FinalizationRegistry.
// After each cycle a full GC, then a sample of process.memoryUsage() and of the simulator's live device memory and
// objects. The first half of the cycles is warm-up (V8 grows its heap in steps meanwhile); the growth per 100k runs
// is a least-squares fit over the second half.
// At the end everything is disposed, and every live counter of the simulator must be back to zero.
//
// Environment knobs: BENCH_CYCLES (40), BENCH_RUNS_PER_CYCLE (25000), BENCH_DEPTH (64). A soak: BENCH_CYCLES=400.
// Results: a table and bench/results/memory.json. Exit code 1 if an output is wrong, a failure is not the injected
// one, or something is still alive at the end; growth is reported, not judged (see bench/README.md).
import v8 from 'node:v8';
import vm from 'node:vm';
import { Runtime, Tensor, TensorRTNodeError } from '../dist/index.js';
import { simulator } from '../dist/testing.js';
import { describeMachine, loadAverageNow, runBench, writeResults } from './lib/report.mjs';
import { round } from './lib/stats.mjs';
import { A_VALUES, B_VALUES, assertAdd, buildTinyPlan } from './lib/tiny-model.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const env = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const CONFIG = {
  cycles: env('BENCH_CYCLES', 40),
  runsPerCycle: env('BENCH_RUNS_PER_CYCLE', 25000),
  depth: env('BENCH_DEPTH', 64),
  faultEvery: 1000,
};
const log = (...args) => console.log(...args);
const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

const A_PLUS_2B = Float32Array.from(A_VALUES, (v, i) => Math.fround(Math.fround(v + B_VALUES[i]) + B_VALUES[i]));
const feeds = { a: new Tensor('float32', A_VALUES, [1, 4]) };

/** What is sampled after each cycle: the process's memory, and what the simulated GPU holds. */
function sample() {
  const m = process.memoryUsage();
  const c = simulator.counters();
  return {
    rss: m.rss,
    // What native code (the addon, the simulator, malloc) holds: V8 grows its heap reservation in steps, which moves
    // rss without any leak.
    rssOutsideHeap: m.rss - m.heapTotal,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    deviceBytes: c.liveDeviceBytes,
    pinnedBytes: c.livePinnedBytes,
    deviceAllocations: c.liveDeviceAllocations,
    contexts: c.liveContexts,
    engines: c.liveEngines,
    events: c.liveEvents,
    streams: c.liveStreams,
  };
}

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** One lane: runs one after another on its context, with its own output array and device tensor. */
function makeLane(context, deviceTensor, stats) {
  const target = { outputs: { c: new Float32Array(4) } };
  const intoDevice = { outputs: { c: deviceTensor } };
  const fromDevice = { a: deviceTensor };
  return async (runIndex) => {
    try {
      const kind = runIndex % 10;
      if (kind === 7 || kind === 8) {
        const { c } = await context.run(feeds, target);
        if (c.data !== target.outputs.c) throw new Error('a run into an output array returned another array');
        assertAdd('run into an array', c.data, A_VALUES);
      } else if (kind === 9) {
        await context.run(feeds, intoDevice);
        const { c } = await context.run(fromDevice);
        if (c.data.some((v, i) => v !== A_PLUS_2B[i])) throw new Error(`chained run gave ${c.data}, expected ${A_PLUS_2B}`);
      } else {
        assertAdd('run', (await context.run(feeds)).c.data, A_VALUES);
      }
    } catch (error) {
      if (!(error instanceof TensorRTNodeError) || error.code !== 'CUDA_TRANSIENT' || !/enqueueV3: Error Code 1: Cuda Runtime/.test(error.message)) {
        throw error;
      }
      stats.transientFailures++;
    }
  };
}

/** `count` runs with `depth` lanes in flight; a fault is injected every CONFIG.faultEvery runs. */
async function runMany(lanes, count, stats) {
  let next = 0;
  const drive = async (lane) => {
    while (next < count) {
      const index = next++;
      if (index % CONFIG.faultEvery === CONFIG.faultEvery - 1) {
        simulator.injectFault({ kind: 'enqueue' });
        stats.injected++;
      }
      await lane(index);
    }
  };
  await Promise.all(lanes.map(drive));
}

/** The objects a service creates and drops now and then, half of them left to the FinalizationRegistry. */
async function churn(runtime, plan) {
  const engine = await runtime.deserialize(plan);
  const contexts = [engine.createContext(), engine.createContext()];
  for (const context of contexts) assertAdd('churned context', (await context.run(feeds)).c.data, A_VALUES);
  for (const context of contexts) context.dispose();
  const buffer = runtime.createDeviceBuffer(1 << 20);
  const bytes = new Uint8Array(1 << 20).fill(7);
  await buffer.write(bytes);
  if (new Uint8Array(await buffer.read())[12345] !== 7) throw new Error('device buffer read back other bytes');
  buffer.dispose();
  // Dropped without dispose(): the engine stays alive while this context may still be referenced.
  engine.createContext();
  runtime.createDeviceBuffer(1 << 16);
  engine.dispose();
}

async function main() {
  const machine = describeMachine();
  log(`tensorrt-node memory benchmark — node ${process.version}, ${machine.cpuModel} x${machine.cpuCount}, load average ${loadAverageNow()}`);
  log(`${CONFIG.cycles} cycles of ${CONFIG.runsPerCycle} runs, ${CONFIG.depth} in flight over 2 contexts\n`);

  const plan = await buildTinyPlan();
  const runtime = Runtime.create({ backend: 'simulator' });
  const engine = await runtime.deserialize(plan);
  const contexts = [engine.createContext(), engine.createContext()];
  const stats = { injected: 0, transientFailures: 0 };
  const deviceTensors = await Promise.all(Array.from({ length: CONFIG.depth }, () => runtime.createDeviceTensor('float32', [1, 4])));
  const lanes = deviceTensors.map((tensor, i) => makeLane(contexts[i % 2], tensor, stats));

  const samples = [];
  const started = process.hrtime.bigint();
  for (let cycle = 0; cycle < CONFIG.cycles; cycle++) {
    await runMany(lanes, CONFIG.runsPerCycle, stats);
    await churn(runtime, plan);
    gc();
    await tick(); // FinalizationRegistry callbacks run after the GC, on a later task
    gc();
    samples.push({ runs: (cycle + 1) * CONFIG.runsPerCycle, ...sample() });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (stats.transientFailures !== stats.injected) {
    throw new Error(`${stats.injected} enqueue faults injected, but ${stats.transientFailures} runs failed with CUDA_TRANSIENT`);
  }

  const steady = samples.slice(Math.floor(samples.length / 2));
  const xs = steady.map((s) => s.runs);
  const metrics = Object.keys(samples[0]).filter((k) => k !== 'runs');
  const growth = {};
  log('metric              after warm-up           at the end    growth per 100k runs');
  for (const metric of metrics) {
    const ys = steady.map((s) => s[metric]);
    const per100k = slope(xs, ys) * 1e5;
    growth[metric] = { afterWarmUp: ys[0], atEnd: ys[ys.length - 1], per100kRuns: round(per100k, 1) };
    log(`${metric.padEnd(18)}  ${String(ys[0]).padStart(13)}  ${String(ys[ys.length - 1]).padStart(19)}  ${per100k.toFixed(1).padStart(22)}`);
  }
  log(`\n${samples.at(-1).runs} runs in ${seconds.toFixed(1)} s, ${stats.injected} injected enqueue failures, each surfaced as CUDA_TRANSIENT`);

  // Everything goes, and nothing of it may stay alive on the simulated GPU.
  for (const context of contexts) context.dispose();
  for (const tensor of deviceTensors) tensor.dispose();
  engine.dispose();
  runtime.synchronize();
  runtime.dispose();
  gc();
  await tick();
  simulator.synchronize(); // background releases and stream-ordered frees
  const after = simulator.counters();
  const leftAlive = Object.fromEntries(Object.entries(after).filter(([k, v]) => k.startsWith('live') && v !== 0));

  const file = writeResults('memory', machine, { config: CONFIG, seconds: round(seconds, 1), ...stats, growth, samples, leftAlive });
  log(`wrote ${file} (load average now ${loadAverageNow()})`);
  if (Object.keys(leftAlive).length > 0) throw new Error(`still alive after every dispose: ${JSON.stringify(leftAlive)}`);
  log('after dispose: no device memory, pinned memory, stream, event or TensorRT object left');
}

runBench(main);
