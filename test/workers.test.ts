// The addon in worker threads: each environment has its own completion queue and classes, runs settle in the
// thread that started them, and a worker can exit with work finished while the main thread keeps running.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';
import { simulatorPlan } from './helpers/engines.js';

// The worker loads the addon straight from the build (no TypeScript loader in a worker).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const native = require('node-gyp-build')(workerData.root);
(async () => {
  const runtime = new native.Runtime('simulator', 2);
  const engine = await runtime.deserialize(workerData.plan);
  const context = engine.createContext();
  const results = [];
  for (let i = 0; i < 4; i++) {
    const x = new Float32Array(16).fill(workerData.value + i);
    const out = await context.run(Float64Array.of(1, 16), undefined, x);
    const y = out instanceof ArrayBuffer ? out : out[1]; // bytes alone once the dims repeat
    results.push(Array.from(new Float32Array(y)));
  }
  context.dispose(); engine.dispose(); runtime.dispose();
  parentPort.postMessage(results);
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

function runWorker(plan: Uint8Array, value: number): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { root: packageRoot, plan, value } });
    worker.once('message', (m: number[][] | { error: string }) => ('error' in m ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
}

describe('worker threads', () => {
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
