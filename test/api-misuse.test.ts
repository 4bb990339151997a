// The public API called with wrong arguments of every kind, as a JavaScript caller without types might: every
// refusal is a TensorRTNodeError with a code (INVALID_ARGUMENT, INVALID_INPUT, DISPOSED...), thrown or rejected,
// never a TypeError from deep inside, never a crash, and the objects work on afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineStore, Runtime, Tensor, TensorRTNodeError, buildEngine, setCompletionPolling } from '../lib/index.js';
import type { DeviceTensor, Engine, ExecutionContext } from '../lib/index.js';
import { simulatorPlan } from './helpers/engines.js';
import { showValue } from '../lib/dtypes.js';
import { simulator } from '../lib/testing/index.js';
import { getModel } from './models/index.js';

let runtime: Runtime;
let engine: Engine;
let context: ExecutionContext;
let tensor: DeviceTensor;

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await runtime.deserialize(await simulatorPlan('mlp')); // x float32 [b,16] -> y [b,8]
  context = engine.createContext();
  tensor = await runtime.createDeviceTensor('float32', [2, 16]);
});
afterAll(() => {
  tensor.dispose();
  context.dispose();
  engine.dispose();
  runtime.dispose();
});

const odd: unknown[] = [
  undefined, null, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 'x', '', true, {}, [], [1, -2], Symbol('s'),
  () => 1, 1n, new Uint8Array(3), new Float64Array([1, 16]), new ArrayBuffer(3), new Map(), Object.create(null),
];

/** 'ok', or the code of the TensorRTNodeError the call threw or rejected with. */
type Ending = string;

/** How a call ended; any other error fails the test with the call's description. */
async function ending(what: string, call: () => unknown): Promise<Ending> {
  try {
    const result = call();
    if (result instanceof Promise) {
      const value = await result;
      (value as { dispose?: () => void } | undefined)?.dispose?.();
    } else {
      (result as { dispose?: () => void } | undefined)?.dispose?.();
    }
    return 'ok';
  } catch (error) {
    if (error instanceof TensorRTNodeError) return error.code;
    throw new Error(`${what} threw ${String((error as Error)?.constructor?.name)}: ${String((error as Error)?.message ?? error)}`);
  }
}

/** How each odd value ended at one call site. */
interface Seen {
  accepted: string[];
  codes: Set<string>;
}

async function each(name: string, call: (v: unknown) => unknown): Promise<Seen> {
  const seen: Seen = { accepted: [], codes: new Set() };
  for (const v of odd) {
    const end = await ending(`${name}(${showValue(v)})`, () => call(v));
    if (end === 'ok') seen.accepted.push(showValue(v));
    else seen.codes.add(end);
  }
  return seen;
}

// What each call site may accept of the odd values (shown as showValue shows them); everything else must be
// refused, with one of the argument codes (or the code the call's own check gives, e.g. a plan that is no plan).
const ARGUMENT_CODES = new Set(['INVALID_ARGUMENT', 'INVALID_INPUT', 'ENGINE_CORRUPT', 'BUILD_FAILED']);
// Where the options leave the backend to its default ('tensorrt'), what happens to a well-formed call depends on the
// machine: accepted where TensorRT and a GPU are there, refused with the environment's code elsewhere.
const ENVIRONMENT_CODES = new Set(['LIBRARY_NOT_FOUND', 'LIBRARY_VERSION', 'CUDA_UNAVAILABLE']);
const tensorrtHere = (() => {
  try {
    Runtime.create().dispose();
    return true;
  } catch (error) {
    if (error instanceof TensorRTNodeError && ENVIRONMENT_CODES.has(error.code)) return false;
    throw error;
  }
})();
/** `accepted` on a machine with TensorRT and a GPU, nothing on one without (refused with an environment code). */
const withTensorRT = (accepted: string[]) => (tensorrtHere ? accepted : []);
const DEFAULT_BACKEND_SITES = new Set(['create', 'backend', 'buildOptions']);
const OBJECTS = ['Object', 'Array', 'Array', 'Uint8Array', 'Float64Array', 'ArrayBuffer', 'Map', 'object']; // options bags
const NON_NEGATIVE = ['0', '1.5', '9007199254740992']; // times and counts that are non-negative finite numbers

function expectAccepted(seen: Record<string, Seen>, accepted: Record<string, string[]>): void {
  expect(Object.keys(accepted).sort()).toEqual(Object.keys(seen).sort());
  for (const [name, s] of Object.entries(seen)) {
    expect(s.accepted, `${name} accepted`).toEqual(accepted[name]);
    for (const code of s.codes) {
      const allowed = ARGUMENT_CODES.has(code) || (DEFAULT_BACKEND_SITES.has(name) && ENVIRONMENT_CODES.has(code));
      expect(allowed, `${name} refused with ${code}`).toBe(true);
    }
  }
}


describe.sequential('the public API with wrong arguments', () => {
  it('Runtime.create and the runtime\'s methods refuse them with typed errors', async () => {
    const seen = {
      create: await each('Runtime.create', (v) => Runtime.create(v as never)),
      backend: await each('Runtime.create({ backend })', (v) => Runtime.create({ backend: v as never })),
      severity: await each('Runtime.create({ logSeverity })', (v) => Runtime.create({ backend: 'simulator', logSeverity: v as never })),
      logger: await each('Runtime.create({ logger })', (v) => Runtime.create({ backend: 'simulator', logger: v as never })),
      device: await each('Runtime.create({ device })', (v) => Runtime.create({ backend: 'simulator', device: v as never })),
      deserialize: await each('runtime.deserialize', (v) => runtime.deserialize(v as never)),
      buffer: await each('runtime.createDeviceBuffer', (v) => runtime.createDeviceBuffer(v as never)),
      tensorDtype: await each('runtime.createDeviceTensor(dtype)', (v) => runtime.createDeviceTensor(v as never, [2])),
      tensorDims: await each('runtime.createDeviceTensor(dims)', (v) => runtime.createDeviceTensor('float32', v as never)),
      tensorData: await each('runtime.createDeviceTensor(data)', (v) => runtime.createDeviceTensor('float32', [2], v as never)),
    };
    expectAccepted(seen, {
      create: withTensorRT(['undefined', ...OBJECTS]),
      backend: withTensorRT(['undefined']),
      severity: ['undefined', 'null'],
      logger: ['undefined', 'null', 'Function'],
      device: ['undefined', '0'],
      deserialize: [],
      buffer: ['0'],
      tensorDtype: [],
      tensorDims: ['Array'], // [] is a scalar
      tensorData: ['undefined'],
    });
  });

  it('engines, contexts, runs and profiles refuse them with typed errors', async () => {
    const x = Tensor.from('float32', new Float32Array(32), [2, 16]);
    const seen = {
      createContext: await each('engine.createContext', (v) => engine.createContext(v as never)),
      feeds: await each('context.run(feeds)', (v) => context.run(v as never)),
      feed: await each('context.run({ x })', (v) => context.run({ x: v as never })),
      options: await each('context.run(feeds, options)', (v) => context.run({ x }, v as never)),
      outputs: await each('context.run(feeds, { outputs })', (v) => context.run({ x }, { outputs: v as never })),
      output: await each('context.run(feeds, { outputs: { y } })', (v) => context.run({ x }, { outputs: { y: v as never } })),
      profile: await each('context.setProfile', (v) => context.setProfile(v as never)),
    };
    expectAccepted(seen, {
      createContext: ['undefined', ...OBJECTS],
      feeds: [],
      feed: [],
      options: ['undefined', ...OBJECTS],
      outputs: ['undefined', 'Object', 'Array', 'ArrayBuffer', 'Map', 'object'], // no output named: all come back new
      output: ['undefined', 'null'],
      profile: ['0'],
    });
    const y = (await context.run({ x })).y as Tensor;
    expect(y.dims).toEqual([2, 8]);
  });

  it('Tensor construction refuses them as the TypedArray constructors do: a TypeError or RangeError naming what is wrong', () => {
    // Building a Tensor is the caller's own data handling, before anything reaches an engine: like `new
    // Float32Array(-1)`, it throws the built-in error types, with a message that starts with the function.
    const calls: [string, (v: unknown) => unknown][] = [
      ['Tensor.from(dtype)', (v) => Tensor.from(v as never, [1, 2] as never)],
      ['Tensor.from(data)', (v) => Tensor.from('float32', v as never)],
      ['Tensor.from(dims)', (v) => Tensor.from('float32', new Float32Array(4), v as never)],
      ['new Tensor(dtype)', (v) => new Tensor(v as never, new Float32Array(2) as never, [2])],
      ['new Tensor(data)', (v) => new Tensor('float32', v as never, [2])],
      ['new Tensor(dims)', (v) => new Tensor('float32', new Float32Array(2), v as never)],
    ];
    for (const [name, call] of calls) {
      let refused = 0;
      for (const v of odd) {
        try {
          call(v);
        } catch (error) {
          refused++;
          expect(error instanceof TypeError || error instanceof RangeError, `${name}(${showValue(v)}): ${String(error)}`).toBe(true);
          expect((error as Error).message, `${name}(${showValue(v)})`).toMatch(/^(Tensor|element|dtype|dims)|^[a-z]+ \d|index/i);
        }
      }
      expect(refused, name).toBeGreaterThan(0);
    }
  });

  it('device tensors and copies refuse them with typed errors', async () => {
    const seen = {
      write: await each('deviceBuffer.write', (v) => tensor.buffer.write(v as never)),
      writeOffset: await each('deviceBuffer.write(offset)', (v) => tensor.buffer.write(new Uint8Array(4), v as never)),
      read: await each('deviceBuffer.read', (v) => tensor.buffer.read(v as never)),
      copyTo: await each('deviceTensor.copyTo', (v) => tensor.copyTo(v as never)),
      bufferCopyTo: await each('deviceBuffer.copyTo', (v) => tensor.buffer.copyTo(v as never)),
    };
    expectAccepted(seen, {
      write: ['Uint8Array', 'Float64Array', 'ArrayBuffer'],
      writeOffset: ['undefined', '0'],
      read: ['undefined', '0'],
      copyTo: [],
      bufferCopyTo: [],
    });
  });

  it('the EngineStore refuses them with typed errors', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trtn-misuse-'));
    try {
      const store = new EngineStore(dir);
      const onnx = getModel('mlp').onnx;
      const seen = {
        dir: await each('new EngineStore', (v) => new EngineStore(v as never)),
        options: await each('new EngineStore(dir, options)', (v) => new EngineStore(dir, v as never)),
        pathFor: await each('store.pathFor', (v) => store.pathFor(v as never)),
        getOrBuild: await each('store.getOrBuild(onnx)', (v) => store.getOrBuild(v as never, { runtime } as never)),
        getOrBuildOptions: await each('store.getOrBuild(onnx, options)', (v) => store.getOrBuild(onnx, v as never)),
        verify: await each('store.verify', (v) => store.verify(v as never, { runtime } as never)),
        quarantine: await each('store.quarantine', (v) => store.quarantine(v as never, 'reason')),
        list: await each('store.list', (v) => store.list(v as never)),
        prune: await each('store.prune', (v) => store.prune(v as never)),
      };
      expectAccepted(seen, {
        dir: ['"x"'], // a relative path
        options: ['undefined', ...OBJECTS],
        pathFor: [],
        getOrBuild: [],
        getOrBuildOptions: [],
        verify: [],
        quarantine: [],
        list: [],
        prune: ['undefined', ...OBJECTS],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the simulator harness refuses them with typed errors, so a fault a test asked for is never silently dropped', async () => {
    const spin = simulator.setStreamSpin(50);
    const device = simulator.getDevice(0);
    try {
      const seen = {
        fault: await each('simulator.injectFault', (v) => simulator.injectFault(v as never)),
        kind: await each('simulator.injectFault({ kind })', (v) => simulator.injectFault({ kind: v as never })),
        count: await each('simulator.injectFault({ count })', (v) => simulator.injectFault({ kind: 'enqueue', count: v as never })),
        cudaError: await each('simulator.injectFault({ cudaError })', (v) => simulator.injectFault({ kind: 'sticky', cudaError: v as never })),
        millis: await each('simulator.injectFault({ millis })', (v) => simulator.injectFault({ kind: 'slow-kernel', millis: v as never })),
        after: await each('simulator.injectFault({ after })', (v) => simulator.injectFault({ kind: 'alloc', after: v as never })),
        setDevice: await each('simulator.setDevice', (v) => simulator.setDevice(v as never)),
        computeCapability: await each('simulator.setDevice({ computeCapability })', (v) => simulator.setDevice({ computeCapability: v as never })),
        setDeviceCount: await each('simulator.setDeviceCount', (v) => simulator.setDeviceCount(v as never)),
        getDevice: await each('simulator.getDevice', (v) => simulator.getDevice(v as never)),
        costModel: await each('simulator.setCostModel', (v) => simulator.setCostModel(v as never)),
        launchMicros: await each('simulator.setCostModel({ launchMicros })', (v) => simulator.setCostModel({ launchMicros: v as never })),
        streamSpin: await each('simulator.setStreamSpin', (v) => simulator.setStreamSpin(v as never)),
        buildStepDelay: await each('simulator.setBuildStepDelay', (v) => simulator.setBuildStepDelay(v as never)),
      };
      expectAccepted(seen, {
        fault: [],
        kind: [],
        count: ['undefined'],
        cudaError: ['undefined'],
        millis: NON_NEGATIVE,
        after: ['undefined', '0'],
        setDevice: OBJECTS,
        computeCapability: ['undefined'],
        setDeviceCount: [],
        getDevice: ['undefined', '0'],
        costModel: OBJECTS,
        launchMicros: ['undefined', 'null', ...NON_NEGATIVE],
        streamSpin: NON_NEGATIVE,
        buildStepDelay: NON_NEGATIVE,
      });
    } finally {
      // Whatever a call accepted is undone: no fault armed, one GPU as it was, no cost model, default polling.
      simulator.clearFaults();
      simulator.clearStickyError();
      simulator.setCostModel({});
      simulator.setStreamSpin(spin);
      simulator.setBuildStepDelay(0);
      simulator.setDeviceCount(1);
      simulator.setDevice(device);
    }
    expect((await context.run({ x: Tensor.from('float32', new Float32Array(32), [2, 16]) })).y!.dims).toEqual([2, 8]);
  });

  it('buildEngine and setCompletionPolling refuse them with typed errors', async () => {
    const onnx = getModel('mlp').onnx;
    const seen = {
      onnx: await each('buildEngine(onnx)', (v) => buildEngine(v as never, { backend: 'simulator' })),
      buildOptions: await each('buildEngine(onnx, options)', (v) => buildEngine(onnx, v as never)),
      profiles: await each('buildEngine(onnx, { profiles })', (v) => buildEngine(onnx, { backend: 'simulator', profiles: v as never })),
      precision: await each('buildEngine(onnx, { precision })', (v) => buildEngine(onnx, { backend: 'simulator', precision: v as never })),
      polling: await each('setCompletionPolling', (v) => setCompletionPolling(v as never)),
    };
    setCompletionPolling(0);
    // The model's batch is dynamic: without profiles TensorRT refuses to build it (BUILD_FAILED) wherever it is.
    // Polling takes at most 60 s: 2^53 us is refused.
    expectAccepted(seen, { onnx: [], buildOptions: [], profiles: [], precision: [], polling: ['0', '1.5'] });
  });
});
