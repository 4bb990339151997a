// npm run bench:overhead — the per-call overhead of tensorrt-node against its own floor and onnxruntime-node.
//
// One process, one run, variants interleaved in rounds (so machine noise hits all of them alike):
//   (a)  native ping()         the addon's bare promise round trip through run()'s completion path, no GPU work (the floor)
//   (b)  context.run({ a })    the tiny Add engine on the simulator, cost model off (zero kernel time)
//   (bt) context.run({ a }, { outputs: { c: array } })   the same, the output copied into one preallocated array
//   (ar) ping + new result     (a) plus only what any run() returning a new output must add: a fresh array for the
//                              4 output values and the result record, built where a run builds its own (when its
//                              ticket is settled, no .then) (no validation, copies or TensorRT)
//   (c)  ort session.run()     onnxruntime-node, CPU EP, 1 intra-op thread, same ONNX model
//   (d)  context.run({ a })    with the simulator's cost model at a realistic tiny kernel (5 us launch, 1 at a time)
//   (b0) native run()          diagnostic: the addon's run() without the TS layer (no validation, no Tensor wrapping)
//   (e)  context.run({ a })    diagnostic: a NonZero engine, whose data-dependent output shape makes every run go
//                              through the context's launcher thread (enqueueV3 waits for the kernel)
//   (ap), (bp), (dp)           (a), (b) and (d) with completion polling on (setCompletionPolling(200))
//   (as), (bs)                 diagnostic: (a) and (b) with the simulator's idle stream workers sleeping, not polling
//   (f)  context.run({ a })    a 100-layer chain (c = a + b + ... + b: 100 kernels per enqueueV3) with the simulator
//                              charging 4 us of CPU per kernel launch to the launching thread (hostLaunchMicros), the
//                              context enqueueing on the JS thread (enqueueOn: 'caller', the default)
//   (fl) the same              on the context's launcher thread (enqueueOn: 'launcher')
//   (fg) the same              on the JS thread replaying a CUDA graph (cudaGraph: true): one graph launch per run
// each in two modes: 1 request in flight (sequential awaits) and 64 in flight (a refilling window of promises).
// (f), (fl), (fg) keep the default maxRunsInFlight, floor(1024 / (100 layers + 1 input + 1 output + 1)) = 9: at 64 in
// flight, 55 of the 64 wait in the context's JS queue, as they would for a user.
//
// Environment knobs: BENCH_ROUNDS (8), BENCH_ROUND_MS (400: target duration of one cell in one round),
// BENCH_WARMUP (3000 calls per cell), BENCH_DEPTH (64), BENCH_SKIP_COST=1 (no (d), (dp)), BENCH_SKIP_DIAG=1 (no (b0), (as), (bs), (e)),
// BENCH_SKIP_ENQUEUE=1 (no (f), (fl), (fg)).
// Results: a table on stdout and bench/results/overhead.json. Exit code 0 whether or not targets are met; 1 if a
// correctness check fails, including (f), (fl), (fg) launching other than 100 kernels / nothing / one graph per run
// on the JS thread.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import ort from 'onnxruntime-node';
import { Runtime, Tensor, setCompletionPolling } from '../dist/index.js';
import { firstOutputBytes, nativeCall, simulator } from '../dist/testing.js';
import { describeMachine, loadAverageNow, runBench, writeResults } from './lib/report.mjs';
import { median, percentileSorted, poolSorted, readEld, round } from './lib/stats.mjs';
import {
  A_VALUES,
  assertAdd,
  assertChainAdd,
  buildTinyPlan,
  chainAddOnnx,
  tinyAddOnnx,
  tinyNonZeroOnnx,
} from './lib/tiny-model.mjs';

const env = (name, fallback) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : fallback);
const CONFIG = {
  rounds: env('BENCH_ROUNDS', 8),
  roundMs: env('BENCH_ROUND_MS', 400),
  warmup: env('BENCH_WARMUP', 3000),
  depth: env('BENCH_DEPTH', 64),
  eldResolutionMs: 1, // the minimum monitorEventLoopDelay allows
  withCostModel: process.env.BENCH_SKIP_COST !== '1',
  withDiagnostic: process.env.BENCH_SKIP_DIAG !== '1',
  withEnqueue: process.env.BENCH_SKIP_ENQUEUE !== '1',
};
const COST_MODEL = { launchMicros: 5, concurrentKernels: 1 };
// (f), (fl), (fg): the host side of enqueueV3. A GPU's driver spends a few us of CPU per kernel launch on the thread
// that launches it; the chain has CHAIN_LAYERS kernels. Device time stays 0, so only the launches cost.
const CHAIN_LAYERS = 100;
const HOST_COST_MODEL = { hostLaunchMicros: 4 };
const POLL_MICROS = 200;
const TARGETS = { latencyRatioMax: 1.3, throughputRatioMin: 2, eldP99MaxMs: 1 };
// Proposed replacement for the (b)/(a) ratios (bench/README.md, "Reading"): the overhead of a run over the floor as a
// difference, which does not reward a slow completion path the way a ratio against a bare promise does.
const PROPOSED = { latencyOverheadMaxUs: 3, jsThreadOverheadMaxUs: 3 };

const hr = process.hrtime.bigint;
const log = (...args) => console.log(...args);

// ---------------------------------------------------------------------------------------------------------------
// Measurement loops. Latency per call is submit -> settle with process.hrtime.bigint; calls/s = calls / wall time.

// The JS thread's own CPU time and run-queue wait (Linux: /proc/self/task/<pid>/schedstat, in ns); null elsewhere.
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
function jsThreadSchedstat() {
  try {
    const [run, wait] = readFileSync(SCHEDSTAT, 'utf8').trim().split(/\s+/).map(Number);
    return { run, wait };
  } catch {
    return null;
  }
}

function startProbe() {
  const eld = monitorEventLoopDelay({ resolution: CONFIG.eldResolutionMs });
  const cpu = process.cpuUsage();
  const js = jsThreadSchedstat();
  eld.enable();
  return { eld, cpu, js, t0: hr() };
}

function stopProbe(probe, lat) {
  const wallNs = Number(hr() - probe.t0);
  probe.eld.disable();
  const cpu = process.cpuUsage(probe.cpu);
  const js = jsThreadSchedstat();
  return {
    lat,
    wallNs,
    eld: readEld(probe.eld, CONFIG.eldResolutionMs),
    cpuUs: cpu.user + cpu.system,
    jsRunNs: js && probe.js ? js.run - probe.js.run : NaN,
    jsWaitNs: js && probe.js ? js.wait - probe.js.wait : NaN,
  };
}

async function runSequential(call, n) {
  const lat = new Float64Array(n);
  const probe = startProbe();
  for (let i = 0; i < n; i++) {
    const s = hr();
    await call();
    lat[i] = Number(hr() - s);
  }
  return stopProbe(probe, lat);
}

function runWindowed(call, n, depth) {
  return new Promise((resolve, reject) => {
    const lat = new Float64Array(n);
    let next = 0;
    let settled = 0;
    const probe = startProbe();
    const launch = () => {
      const i = next++;
      const s = hr();
      call().then(() => {
        lat[i] = Number(hr() - s);
        if (++settled === n) resolve(stopProbe(probe, lat));
        else if (next < n) launch();
      }, reject);
    };
    for (let k = 0; k < Math.min(depth, n); k++) launch();
  });
}

async function runIdle(ms) {
  const probe = startProbe();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return stopProbe(probe, new Float64Array(0));
}

function measure(cell, n) {
  if (cell.variant.idle) return runIdle(CONFIG.roundMs);
  if (cell.variant.launchesPerRun) return measureCountingLaunches(cell, n);
  return cell.mode.depth === 1 ? runSequential(cell.variant.call, n) : runWindowed(cell.variant.call, n, cell.mode.depth);
}

// (f), (fl), (fg): the same measurement, then a check that the cell's n runs launched exactly what the variant says
// on the JS thread (simulator.launchesOnThisThread(), read once before and once after: nothing inside the timing).
async function measureCountingLaunches(cell, n) {
  const before = simulator.launchesOnThisThread();
  const result = await (cell.mode.depth === 1 ? runSequential(cell.variant.call, n) : runWindowed(cell.variant.call, n, cell.mode.depth));
  checkLaunches(`${cell.variant.label}, ${cell.mode.depth} in flight`, before, simulator.launchesOnThisThread(), n, cell.variant.launchesPerRun);
  return result;
}

/** Throws unless `runs` runs launched exactly `perRun` kernels and graphs each on this thread between two readings. */
function checkLaunches(name, before, after, runs, perRun) {
  const kernels = after.kernels - before.kernels;
  const graphs = after.graphs - before.graphs;
  if (kernels !== runs * perRun.kernels || graphs !== runs * perRun.graphs) {
    throw new Error(
      `${name}: ${runs} runs launched ${kernels} kernels and ${graphs} graphs on the JS thread, ` +
        `expected ${runs * perRun.kernels} and ${runs * perRun.graphs} (${perRun.kernels} and ${perRun.graphs} per run)`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Set-up of (f), (fl), (fg): one engine of the CHAIN_LAYERS-layer chain, one context per way of enqueueing, each
// checked with the host launch cost on (outputs, and what its runs launch on the JS thread) before anything is timed.

const CHAIN_VARIANTS = [
  {
    key: 'f',
    label: `(f) ${CHAIN_LAYERS} layers, 4us/launch, caller`,
    options: { enqueueOn: 'caller' },
    enqueueOn: 'caller',
    launchesPerRun: { kernels: CHAIN_LAYERS, graphs: 0 },
  },
  {
    key: 'fl',
    label: `(fl) ${CHAIN_LAYERS} layers, 4us/launch, launcher`,
    options: { enqueueOn: 'launcher' },
    enqueueOn: 'launcher',
    launchesPerRun: { kernels: 0, graphs: 0 },
  },
  {
    key: 'fg',
    label: `(fg) ${CHAIN_LAYERS} layers, 4us/launch, CUDA graph`,
    options: { cudaGraph: true },
    enqueueOn: 'caller',
    launchesPerRun: { kernels: 0, graphs: 1 },
  },
];

async function setUpChain(runtime, feeds) {
  const engine = await runtime.deserialize(await buildTinyPlan(chainAddOnnx(CHAIN_LAYERS)));
  const contexts = [];
  const dispose = () => {
    for (const context of contexts) context.dispose();
    engine.dispose();
  };
  try {
    const variants = [];
    simulator.setCostModel(HOST_COST_MODEL);
    try {
      for (const spec of CHAIN_VARIANTS) {
        const context = engine.createContext(spec.options);
        contexts.push(context);
        if (context.enqueueOn !== spec.enqueueOn) throw new Error(`(${spec.key}): context.enqueueOn is '${context.enqueueOn}', expected '${spec.enqueueOn}'`);
        const run = () => context.run(feeds);
        const check = (what, result) => assertChainAdd(`(${spec.key}) ${what}`, result.c.data, A_VALUES, CHAIN_LAYERS);
        // Warm-up: (fg) enqueues its first run plainly and captures its graph on the second.
        for (let i = 0; i < 2; i++) check(`warm-up run ${i + 1}`, await run());
        let before = simulator.launchesOnThisThread();
        for (let i = 0; i < 8; i++) check('sequential run', await run());
        checkLaunches(`(${spec.key}) 8 sequential runs`, before, simulator.launchesOnThisThread(), 8, spec.launchesPerRun);
        // CONFIG.depth at once: beyond maxRunsInFlight the runs wait in JS and are submitted as earlier ones settle.
        before = simulator.launchesOnThisThread();
        const window = await Promise.all(Array.from({ length: CONFIG.depth }, run));
        window.forEach((result) => check(`run of ${CONFIG.depth} in flight`, result));
        checkLaunches(`(${spec.key}) ${CONFIG.depth} runs in flight`, before, simulator.launchesOnThisThread(), CONFIG.depth, spec.launchesPerRun);
        variants.push({ key: spec.key, label: spec.label, call: run, launchesPerRun: spec.launchesPerRun, maxRunsInFlight: context.maxRunsInFlight });
      }
    } finally {
      simulator.setCostModel({});
    }
    return { variants, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Set-up: the model, the simulator engine, onnxruntime, and one correctness check per path.

async function setUp() {
  const onnxBytes = tinyAddOnnx();
  const plan = await buildTinyPlan(onnxBytes);
  const runtime = Runtime.create({ backend: 'simulator' });
  const engine = await runtime.deserialize(plan);
  const context = engine.createContext();
  const aValues = A_VALUES;
  const feeds = { a: new Tensor('float32', aValues, [1, 4]) };
  // (bt): the output goes into this caller array on every run instead of a new one.
  const targetOptions = { outputs: { c: new Float32Array(4) } };

  const session = await ort.InferenceSession.create(onnxBytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const ortFeeds = { a: new ort.Tensor('float32', aValues, [1, 4]) };

  // The addon's own context, without the TS layer: ExecutionContext.native() is a protected helper in TS but an
  // ordinary method at run time. (a) is its ping() with a ticket (lib/settlements.ts), the bare promise round trip
  // through the completion path, which is all context.ping() does too; (b0) is its run(). Both are called as the
  // bound functions that context.run() calls (boundRun), which find the context without unwrapping a receiver.
  const nativeContext = typeof context.native === 'function' ? context.native() : undefined;
  if (typeof nativeContext?.boundPing !== 'function' || typeof nativeContext?.boundRun !== 'function') {
    throw new Error('the bench needs ExecutionContext.native() (the addon object with boundPing() and boundRun()); the internals changed');
  }
  const boundPing = nativeContext.boundPing();
  const boundRun = nativeContext.boundRun();
  const ping = () => nativeCall((ticket) => boundPing(ticket));
  const nativeRun = () => nativeCall((ticket) => boundRun(ticket, nativeDims, undefined, nativeInputs[0]));
  const nativeInputs = [aValues];
  const nativeDims = Float64Array.of(1, 4);

  // Correctness, once per path: never benchmark a broken path.
  const b = await context.run(feeds);
  assertAdd('(b) context.run', b.c.data, aValues);
  const bt = await context.run(feeds, targetOptions);
  assertAdd('(bt) run into an array', bt.c.data, aValues);
  if (bt.c.data !== targetOptions.outputs.c) throw new Error('(bt) did not return the caller array');
  if (b.c.dtype !== 'float32' || b.c.dims.join(',') !== '1,4') throw new Error(`(b) output is ${b.c}`);
  const c = await session.run(ortFeeds);
  assertAdd('(c) onnxruntime-node', c.c.data, aValues);
  await context.ping();
  await ping();
  if (CONFIG.withCostModel) {
    simulator.setCostModel(COST_MODEL);
    try {
      assertAdd('(d) context.run with cost model', (await context.run(feeds)).c.data, aValues);
    } finally {
      simulator.setCostModel({});
    }
  }
  if (CONFIG.withDiagnostic) {
    // The bytes come as an arena offset (one small output, dims repeating): copied out while the run settles.
    const copyOut = { settledValue: (value) => firstOutputBytes(value, 16), settledFailure: (error) => error };
    const bytes = await nativeCall((ticket) => boundRun(ticket, nativeDims, undefined, nativeInputs[0]), copyOut);
    assertAdd('(b0) native run', new Float32Array(bytes), aValues);
  }

  // (e): the same input through NonZero; a = [1.25, -2, 3.5, 0.125] has no zero, so nz = [[0,0,0,0],[0,1,2,3]].
  const nonZeroEngine = await runtime.deserialize(await buildTinyPlan(tinyNonZeroOnnx()));
  const nonZeroContext = nonZeroEngine.createContext();
  const nz = (await nonZeroContext.run(feeds)).nz;
  if (nz.dims.join(',') !== '2,4' || Array.from(nz.data).join(',') !== '0,0,0,0,0,1,2,3') throw new Error(`(e) NonZero gave ${nz}`);

  // (f), (fl), (fg): c = a + 100 b on the chain engine, and 100 kernels / nothing / one graph per run on this thread.
  const chain = CONFIG.withEnqueue ? await setUpChain(runtime, feeds) : null;

  // The result a run of this engine settles with (a 16-byte array lives on V8's heap, as a run's copy from the
  // settlement arena does), built by the ticket's owner as a context's #runs builds it: no .then per call.
  const resultDims = Object.freeze([1, 4]);
  const newResult = () => ({ c: Tensor.trusted('float32', new Float32Array(4), resultDims, 4) });
  const resultOwner = { settledValue: newResult, settledFailure: (error) => error };
  const pingWithResult = () => nativeCall((ticket) => boundPing(ticket), resultOwner);
  if (!((await pingWithResult()).c instanceof Tensor)) throw new Error('(ar) did not make a Tensor');

  const defaultSpin = simulator.setStreamSpin(50);
  simulator.setStreamSpin(defaultSpin);
  const variants = [
    { key: 'a', label: '(a) ping (floor)', call: ping },
    // The least a run() with this API must add to (a): its result. If (ar)/(a) alone is near 1.3, the (b)/(a) target
    // leaves nothing for validation, staging, enqueueV3 and the copies.
    { key: 'ar', label: '(ar) ping + a new result', call: pingWithResult },
    { key: 'b', label: '(b) context.run', call: () => context.run(feeds) },
    { key: 'bt', label: '(bt) run into an array', call: () => context.run(feeds, targetOptions) },
    { key: 'c', label: '(c) onnxruntime-node', call: () => session.run(ortFeeds) },
  ];
  if (CONFIG.withCostModel) {
    variants.push({
      key: 'd',
      label: '(d) run, 5us kernel',
      call: () => context.run(feeds),
      before: () => simulator.setCostModel(COST_MODEL),
      after: () => simulator.setCostModel({}),
    });
  }
  // The same calls with completion polling on (setCompletionPolling): the loop drains completions every turn for up
  // to POLL_MICROS after each submission instead of sleeping until woken.
  const polling = { before: () => setCompletionPolling(POLL_MICROS), after: () => setCompletionPolling(0) };
  variants.push({ key: 'ap', label: `(a) ping, polling ${POLL_MICROS}us`, call: ping, ...polling });
  variants.push({ key: 'bp', label: `(b) run, polling ${POLL_MICROS}us`, call: () => context.run(feeds), ...polling });
  if (CONFIG.withCostModel) {
    variants.push({
      key: 'dp',
      label: `(d) 5us kernel, polling ${POLL_MICROS}us`,
      call: () => context.run(feeds),
      before: () => {
        simulator.setCostModel(COST_MODEL);
        setCompletionPolling(POLL_MICROS);
      },
      after: () => {
        simulator.setCostModel({});
        setCompletionPolling(0);
      },
    });
  }
  if (chain) {
    // The host launch cost is on only while these cells run, as the cost model of (d).
    const hostCost = { before: () => simulator.setCostModel(HOST_COST_MODEL), after: () => simulator.setCostModel({}) };
    for (const v of chain.variants) variants.push({ ...v, ...hostCost });
  }
  if (CONFIG.withDiagnostic) {
    // The same (a) and (b) with the simulator's stream workers sleeping when idle instead of polling: every
    // submission then pays a futex wake-up of the worker, as the first version of the simulator did.
    const sleeping = { before: () => simulator.setStreamSpin(0), after: () => simulator.setStreamSpin(defaultSpin) };
    variants.push({ key: 'as', label: '(a) ping, workers sleep [diag]', call: ping, ...sleeping });
    variants.push({ key: 'bs', label: '(b) run, workers sleep [diag]', call: () => context.run(feeds), ...sleeping });
  }
  if (CONFIG.withDiagnostic) {
    variants.push({ key: 'e', label: '(e) data-dependent run [diag]', call: () => nonZeroContext.run(feeds) });
  }
  if (CONFIG.withDiagnostic) {
    variants.push({ key: 'b0', label: '(b0) native run [diag]', call: nativeRun });
  }

  const tearDown = async () => {
    simulator.setCostModel({});
    await session.release();
    context.dispose();
    engine.dispose();
    nonZeroContext.dispose();
    nonZeroEngine.dispose();
    chain?.dispose();
    runtime.dispose();
  };
  return { variants, tearDown, context, feeds, session, ortFeeds, nativeRun, ping };
}

// ---------------------------------------------------------------------------------------------------------------
// Where (b)'s time goes, outside the timed rounds: the synchronous part of each call on the JS thread (the time
// until the call returns its promise), sequentially, for the floor, the native run and the full run.

async function submitCost(call, n) {
  const sync = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = hr();
    const p = call();
    sync[i] = Number(hr() - s);
    await p;
  }
  const sorted = sync.sort();
  return { medianUs: percentileSorted(sorted, 50) / 1e3, p99Us: percentileSorted(sorted, 99) / 1e3 };
}

// ---------------------------------------------------------------------------------------------------------------

function summarize(cell, rounds) {
  const sorted = poolSorted(rounds.map((r) => r.lat));
  const calls = sorted.length;
  const idle = calls === 0;
  const wallNs = rounds.reduce((s, r) => s + r.wallNs, 0);
  const cpuUs = rounds.reduce((s, r) => s + r.cpuUs, 0);
  const jsRunNs = rounds.reduce((s, r) => s + r.jsRunNs, 0);
  const jsWaitNs = rounds.reduce((s, r) => s + r.jsWaitNs, 0);
  const us = (ns) => ns / 1e3;
  return {
    variant: cell.variant.key,
    label: cell.variant.label,
    inFlight: cell.mode.depth,
    calls,
    callsPerRound: rounds.map((r) => r.lat.length),
    wallSeconds: wallNs / 1e9,
    latencyUs: idle ? null : {
      median: us(percentileSorted(sorted, 50)),
      p90: us(percentileSorted(sorted, 90)),
      p99: us(percentileSorted(sorted, 99)),
      p999: us(percentileSorted(sorted, 99.9)),
      max: us(sorted[sorted.length - 1]),
      mean: us(sorted.reduce((s, v) => s + v, 0) / calls),
    },
    callsPerSecond: idle ? null : calls / (wallNs / 1e9),
    callsPerSecondPerRound: idle ? null : rounds.map((r) => r.lat.length / (r.wallNs / 1e9)),
    // Process CPU (all threads: JS, the simulator's stream workers, onnxruntime) per call.
    cpuUsPerCall: idle ? null : cpuUs / calls,
    // The JS thread alone: its CPU time per call, and the share of the wall time it spent waiting for a CPU
    // (run-queue wait: other processes or our own threads holding both vCPUs). NaN without /proc.
    jsThreadCpuUsPerCall: idle ? null : jsRunNs / 1e3 / calls,
    jsThreadBusy: jsRunNs / wallNs,
    jsThreadRunQueueWait: jsWaitNs / wallNs,
    eventLoopDelayMs: {
      // One histogram per round (a paused monitor records the whole pause when re-enabled, so they cannot be
      // pooled): p99 is the median of the rounds' p99s, p99Worst the worst round, max the largest single delay.
      // "excess" values subtract the 1 ms timer interval Node includes in each sample.
      p99: median(rounds.map((r) => r.eld.excessP99)),
      p99Worst: Math.max(...rounds.map((r) => r.eld.excessP99)),
      max: Math.max(...rounds.map((r) => r.eld.excessMax)),
      rawP50: median(rounds.map((r) => r.eld.p50)),
      rawP99: median(rounds.map((r) => r.eld.p99)),
      rawMax: Math.max(...rounds.map((r) => r.eld.max)),
      samplesPerRound: rounds.map((r) => r.eld.count),
    },
  };
}

function formatTable(results) {
  const headers = ['variant', 'in flight', 'median us', 'p99 us', 'calls/s', 'ELD p99 ms', 'ELD max ms', 'CPU us/call', 'JS thread us/call'];
  const rows = results.map((r) => [
    r.label,
    r.latencyUs ? String(r.inFlight) : '-',
    r.latencyUs ? r.latencyUs.median.toFixed(1) : '-',
    r.latencyUs ? r.latencyUs.p99.toFixed(1) : '-',
    r.latencyUs ? Math.round(r.callsPerSecond).toLocaleString('en-US') : '-',
    r.eventLoopDelayMs.p99.toFixed(2),
    r.eventLoopDelayMs.max.toFixed(2),
    r.latencyUs ? r.cpuUsPerCall.toFixed(1) : '-',
    r.latencyUs && Number.isFinite(r.jsThreadCpuUsPerCall) ? r.jsThreadCpuUsPerCall.toFixed(1) : '-',
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main() {
  const started = hr();
  const { variants, tearDown, context, feeds, nativeRun, ping } = await setUp();
  const modes = [
    { key: 'seq', depth: 1 },
    { key: `w${CONFIG.depth}`, depth: CONFIG.depth },
  ];
  const cells = variants.flatMap((variant) => modes.map((mode) => ({ variant, mode, rounds: [], n: 0 })));
  // The noise floor of the event-loop-delay numbers: the same monitor over an idle loop, in every round.
  cells.push({ variant: { key: 'idle', label: '(0) idle loop [ELD noise]', idle: true }, mode: { key: 'idle', depth: 0 }, rounds: [], n: 0 });

  const machine = describeMachine();
  log(`tensorrt-node overhead benchmark — node ${process.version}, ${machine.cpuModel} x${machine.cpuCount}, load average ${loadAverageNow()}`);
  log(`rounds ${CONFIG.rounds}, ~${CONFIG.roundMs} ms per cell per round, warm-up ${CONFIG.warmup} calls per cell, window ${CONFIG.depth}`);
  log('correctness: (b), (c)' + (CONFIG.withCostModel ? ', (d)' : '') + (CONFIG.withDiagnostic ? ', (b0)' : '') + ' return a + b');
  const chainVariants = variants.filter((v) => v.launchesPerRun);
  if (chainVariants.length > 0) {
    log(`correctness: (f), (fl), (fg) return a + ${CHAIN_LAYERS} b and launch ${CHAIN_LAYERS} kernels / none / 1 graph per run on the JS thread ` +
      `(checked again in every cell); maxRunsInFlight ${chainVariants.map((v) => v.maxRunsInFlight).join('/')} (the default), ` +
      `so at ${CONFIG.depth} in flight the rest wait in JS`);
  }

  // Warm-up, then calibration: enough calls per round that one cell lasts ~roundMs.
  for (const cell of cells) {
    if (cell.variant.idle) continue;
    cell.variant.before?.();
    try {
      await measure(cell, CONFIG.warmup);
      const calib = await measure(cell, Math.max(500, CONFIG.warmup >> 1));
      const perCallNs = calib.wallNs / calib.lat.length;
      cell.n = Math.min(2_000_000, Math.max(1000, Math.round((CONFIG.roundMs * 1e6) / perCallNs)));
    } finally {
      cell.variant.after?.();
    }
  }
  log(`calls per round: ${cells.filter((c) => !c.variant.idle).map((c) => `${c.variant.key}/${c.mode.key} ${c.n}`).join(', ')}`);

  // The timed rounds: every cell once per round, starting one cell later each round.
  for (let r = 0; r < CONFIG.rounds; r++) {
    const order = cells.map((_, i) => cells[(i + r * 3) % cells.length]);
    for (const cell of order) {
      cell.variant.before?.();
      try {
        cell.rounds.push(await measure(cell, cell.n));
      } finally {
        cell.variant.after?.();
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.stdout.write(`round ${r + 1}/${CONFIG.rounds} done\n`);
  }

  const results = cells.map((cell) => summarize(cell, cell.rounds));
  const get = (variant, depth) => results.find((r) => r.variant === variant && r.inFlight === depth);

  // Where the time goes: synchronous (JS-thread) part of one call, outside the timed rounds.
  const submitN = 20000;
  const breakdown = {
    note: 'synchronous part of one call (until it returns its promise), sequential, cost model off',
    pingUs: await submitCost(ping, submitN),
    runUs: await submitCost(() => context.run(feeds), submitN),
  };
  breakdown.nativeRunUs = await submitCost(nativeRun, submitN);

  const ratio = (x, y) => x / y;
  const a1 = get('a', 1);
  const aN = get('a', CONFIG.depth);
  const b1 = get('b', 1);
  const bN = get('b', CONFIG.depth);
  const cN = get('c', CONFIG.depth);
  const bEldWorst = Math.max(b1.eventLoopDelayMs.p99, bN.eventLoopDelayMs.p99);
  const idleEld = get('idle', 0).eventLoopDelayMs;
  const targets = [
    {
      name: `(b)/(a) latency median, 1 in flight`,
      value: ratio(b1.latencyUs.median, a1.latencyUs.median),
      target: `<= ${TARGETS.latencyRatioMax}`,
      pass: ratio(b1.latencyUs.median, a1.latencyUs.median) <= TARGETS.latencyRatioMax,
    },
    {
      name: `(b)/(a) latency median, ${CONFIG.depth} in flight`,
      value: ratio(bN.latencyUs.median, aN.latencyUs.median),
      target: `<= ${TARGETS.latencyRatioMax}`,
      pass: ratio(bN.latencyUs.median, aN.latencyUs.median) <= TARGETS.latencyRatioMax,
    },
    {
      name: `(b)/(c) calls/s, ${CONFIG.depth} in flight`,
      value: ratio(bN.callsPerSecond, cN.callsPerSecond),
      target: `>= ${TARGETS.throughputRatioMin}`,
      pass: ratio(bN.callsPerSecond, cN.callsPerSecond) >= TARGETS.throughputRatioMin,
    },
    {
      name: `(b) ELD p99 ms (worse of both modes)`,
      value: bEldWorst,
      target: `<= ${TARGETS.eldP99MaxMs}`,
      pass: bEldWorst <= TARGETS.eldP99MaxMs,
    },
  ];
  const proposed = [
    {
      name: '(b) − (a) latency median, 1 in flight, µs',
      value: b1.latencyUs.median - a1.latencyUs.median,
      target: `<= ${PROPOSED.latencyOverheadMaxUs}`,
      pass: b1.latencyUs.median - a1.latencyUs.median <= PROPOSED.latencyOverheadMaxUs,
    },
    {
      name: `(b) − (a) JS thread µs/call, ${CONFIG.depth} in flight`,
      value: bN.jsThreadCpuUsPerCall - aN.jsThreadCpuUsPerCall,
      target: `<= ${PROPOSED.jsThreadOverheadMaxUs}`,
      pass: bN.jsThreadCpuUsPerCall - aN.jsThreadCpuUsPerCall <= PROPOSED.jsThreadOverheadMaxUs,
    },
  ];
  const extraRatios = {
    'ar/a latency median, 1 in flight (the result alone)': ratio(get('ar', 1).latencyUs.median, a1.latencyUs.median),
    [`ar/a latency median, ${CONFIG.depth} in flight (the result alone)`]: ratio(get('ar', CONFIG.depth).latencyUs.median, aN.latencyUs.median),
    [`b/ar latency median, ${CONFIG.depth} in flight`]: ratio(bN.latencyUs.median, get('ar', CONFIG.depth).latencyUs.median),
    'b/a calls/s, 1 in flight': ratio(b1.callsPerSecond, a1.callsPerSecond),
    [`b/a calls/s, ${CONFIG.depth} in flight`]: ratio(bN.callsPerSecond, aN.callsPerSecond),
    'b/c latency median, 1 in flight': ratio(b1.latencyUs.median, get('c', 1).latencyUs.median),
    'b/c calls/s, 1 in flight': ratio(b1.callsPerSecond, get('c', 1).callsPerSecond),
  };
  if (get('b0', 1)) {
    extraRatios['b0/a latency median, 1 in flight'] = ratio(get('b0', 1).latencyUs.median, a1.latencyUs.median);
    extraRatios[`b0/a latency median, ${CONFIG.depth} in flight`] = ratio(get('b0', CONFIG.depth).latencyUs.median, aN.latencyUs.median);
  }
  if (get('bt', 1)) {
    extraRatios['bt/a latency median, 1 in flight'] = ratio(get('bt', 1).latencyUs.median, a1.latencyUs.median);
    extraRatios[`bt/a latency median, ${CONFIG.depth} in flight`] = ratio(get('bt', CONFIG.depth).latencyUs.median, aN.latencyUs.median);
    extraRatios[`bt/c calls/s, ${CONFIG.depth} in flight`] = ratio(get('bt', CONFIG.depth).callsPerSecond, cN.callsPerSecond);
  }
  if (get('bp', 1)) {
    extraRatios['bp/ap latency median, 1 in flight (both polling)'] = ratio(get('bp', 1).latencyUs.median, get('ap', 1).latencyUs.median);
    extraRatios[`bp/ap latency median, ${CONFIG.depth} in flight (both polling)`] = ratio(get('bp', CONFIG.depth).latencyUs.median, get('ap', CONFIG.depth).latencyUs.median);
    extraRatios[`bp/c calls/s, ${CONFIG.depth} in flight`] = ratio(get('bp', CONFIG.depth).callsPerSecond, cN.callsPerSecond);
  }
  if (get('dp', 1)) extraRatios['dp/d latency median, 1 in flight'] = ratio(get('dp', 1).latencyUs.median, get('d', 1).latencyUs.median);
  if (get('bs', 1)) {
    extraRatios['bs/as latency median, 1 in flight (workers sleep)'] = ratio(get('bs', 1).latencyUs.median, get('as', 1).latencyUs.median);
    extraRatios['b/bs latency median, 1 in flight'] = ratio(b1.latencyUs.median, get('bs', 1).latencyUs.median);
    extraRatios[`b/bs calls/s, ${CONFIG.depth} in flight`] = ratio(bN.callsPerSecond, get('bs', CONFIG.depth).callsPerSecond);
  }
  if (get('e', 1)) {
    extraRatios['e/b latency median, 1 in flight (launcher thread)'] = ratio(get('e', 1).latencyUs.median, b1.latencyUs.median);
    extraRatios[`e/b calls/s, ${CONFIG.depth} in flight`] = ratio(get('e', CONFIG.depth).callsPerSecond, bN.callsPerSecond);
  }
  if (get('d', 1)) {
    extraRatios['d/a latency median, 1 in flight'] = ratio(get('d', 1).latencyUs.median, a1.latencyUs.median);
    extraRatios[`d/c calls/s, ${CONFIG.depth} in flight`] = ratio(get('d', CONFIG.depth).callsPerSecond, cN.callsPerSecond);
  }

  // (f) against (fl) and (fg), from this run: the event-loop delay and the JS thread's time per call, side by side.
  // A ratio is null when its denominator reads 0 (an ELD p99 below the monitor's resolution).
  const sideBySide = (x, y) => (y > 0 ? x / y : null);
  const enqueue = get('f', 1)
    ? {
        note: `${CHAIN_LAYERS}-layer chain, hostLaunchMicros ${HOST_COST_MODEL.hostLaunchMicros}; (f) enqueueOn caller, (fl) launcher, (fg) cudaGraph on the caller`,
        maxRunsInFlight: Object.fromEntries(variants.filter((v) => v.launchesPerRun).map((v) => [v.key, v.maxRunsInFlight])),
        modes: modes.map(({ depth }) => {
          const [f, fl, fg] = ['f', 'fl', 'fg'].map((k) => get(k, depth));
          const pick = (r) => ({
            medianUs: r.latencyUs.median,
            callsPerSecond: r.callsPerSecond,
            eldP99Ms: r.eventLoopDelayMs.p99,
            eldMaxMs: r.eventLoopDelayMs.max,
            jsThreadUsPerCall: r.jsThreadCpuUsPerCall,
          });
          return {
            inFlight: depth,
            f: pick(f),
            fl: pick(fl),
            fg: pick(fg),
            eldP99Ratio: { fOverFl: sideBySide(f.eventLoopDelayMs.p99, fl.eventLoopDelayMs.p99), fOverFg: sideBySide(f.eventLoopDelayMs.p99, fg.eventLoopDelayMs.p99) },
            jsThreadRatio: { fOverFl: sideBySide(f.jsThreadCpuUsPerCall, fl.jsThreadCpuUsPerCall), fOverFg: sideBySide(f.jsThreadCpuUsPerCall, fg.jsThreadCpuUsPerCall) },
          };
        }),
      }
    : null;

  log('');
  log(formatTable(results));
  log('');
  log('ELD = event-loop delay beyond the 1 ms monitor tick (monitorEventLoopDelay, resolution 1 ms): p99 is the median of');
  log('the rounds\' p99s, max the largest single delay seen. CPU us/call counts all threads of the process, JS thread');
  log('us/call the main thread alone.');
  log(`ELD noise floor (idle loop, same rounds): p99 ${idleEld.p99.toFixed(2)} ms, max ${idleEld.max.toFixed(2)} ms` +
    (idleEld.p99 > TARGETS.eldP99MaxMs / 2 ? ' — the machine itself is noisy; read the ELD columns against this' : ''));
  log('');
  log('targets:');
  for (const t of targets) log(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(40)} ${t.value.toFixed(2).padStart(8)}  (target ${t.target})`);
  log('proposed instead of the (b)/(a) ratios (see bench/README.md):');
  for (const t of proposed) {
    log(`  ${Number.isNaN(t.value) ? 'N/A ' : t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(40)} ${t.value.toFixed(2).padStart(8)}  (target ${t.target})`);
  }
  log('other ratios:');
  for (const [k, v] of Object.entries(extraRatios)) log(`        ${k.padEnd(52)} ${v.toFixed(2).padStart(8)}`);
  if (enqueue) {
    const x = (v) => (v === null ? 'n/a (÷0)' : `${v.toFixed(1)}x`);
    log(`host side of enqueueV3 (${enqueue.note}; maxRunsInFlight ${enqueue.maxRunsInFlight.f}):`);
    for (const m of enqueue.modes) {
      log(`  ${String(m.inFlight).padStart(2)} in flight: ELD p99 ms f ${m.f.eldP99Ms.toFixed(2)}, fl ${m.fl.eldP99Ms.toFixed(2)}, fg ${m.fg.eldP99Ms.toFixed(2)} ` +
        `(f/fl ${x(m.eldP99Ratio.fOverFl)}, f/fg ${x(m.eldP99Ratio.fOverFg)}); JS thread us/call f ${m.f.jsThreadUsPerCall.toFixed(1)}, ` +
        `fl ${m.fl.jsThreadUsPerCall.toFixed(1)}, fg ${m.fg.jsThreadUsPerCall.toFixed(1)} (f/fl ${x(m.jsThreadRatio.fOverFl)}, f/fg ${x(m.jsThreadRatio.fOverFg)})`);
    }
  }
  log('');
  log(`synchronous part of one call (median / p99 us): ping ${breakdown.pingUs.medianUs.toFixed(2)} / ${breakdown.pingUs.p99Us.toFixed(2)}` +
    (breakdown.nativeRunUs ? `, native run ${breakdown.nativeRunUs.medianUs.toFixed(2)} / ${breakdown.nativeRunUs.p99Us.toFixed(2)}` : '') +
    `, context.run ${breakdown.runUs.medianUs.toFixed(2)} / ${breakdown.runUs.p99Us.toFixed(2)}`);

  const file = writeResults('overhead', machine, {
    onnxruntimeNode: ort.env?.versions?.node ?? null,
    config: {
      ...CONFIG,
      costModel: CONFIG.withCostModel ? COST_MODEL : null,
      model: 'c = a + b, a float32 [1,4] (profile [1,4]..[64,4])',
      enqueue: CONFIG.withEnqueue ? { hostCostModel: HOST_COST_MODEL, chainLayers: CHAIN_LAYERS, model: `c = a + b + ... + b (${CHAIN_LAYERS} Adds), same input and profile` } : null,
    },
    results,
    targets: targets.map((t) => ({ ...t, value: round(t.value, 4) })),
    proposedTargets: proposed.map((t) => ({ ...t, value: round(t.value, 4) })),
    eldNoiseFloorMs: idleEld,
    ratios: Object.fromEntries(Object.entries(extraRatios).map(([k, v]) => [k, round(v, 4)])),
    breakdown,
    enqueue,
  });
  log(`\nwrote ${file} (${(Number(hr() - started) / 1e9).toFixed(1)} s, load average now ${loadAverageNow()})`);

  await tearDown();
}

runBench(main);
