// A program that defines setters on Array.prototype (prototype pollution, or a library that instruments arrays)
// runs JS in the middle of a drain: the addon settles each run by setting elements of new arrays. That JS may
// detach the settlement arena or submit a run that fails at once; neither may corrupt memory or lose a promise.
// This file has a process of its own (vitest forks), and puts the prototype back after each test.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, Tensor } from '../lib/index.js';
import type { Engine, ExecutionContext, Tensor as TensorType } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorEngine } from './helpers/engines.js';

let runtime: Runtime;
let engine: Engine;
let context: ExecutionContext;
beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'mlp');
  context = engine.createContext();
});
afterAll(() => {
  context.dispose();
  engine.dispose();
  runtime.dispose();
});
afterEach(() => {
  delete (Array.prototype as unknown as Record<string, unknown>)['0'];
});

const ones = () => Tensor.from('float32', new Float32Array(16).fill(1), [1, 16]);

/** Runs `hook` once, from the next settle that sets element 0 of a new array. */
function onNextIndexZeroSet(hook: () => void): void {
  let armed = true;
  Object.defineProperty(Array.prototype, '0', {
    configurable: true,
    set(this: unknown[], value: unknown) {
      Object.defineProperty(this, '0', { value, writable: true, enumerable: true, configurable: true });
      if (!armed) return;
      armed = false;
      hook();
    },
  });
}

describe('JS that runs while a run settles', () => {
  it('detaching the settlement arena: the run still gets its own correct output (the arena was written after it was freed)', async () => {
    const expected = Array.from((await context.run({ x: ones() })).y!.data as Float32Array);
    const registry = (globalThis as Record<symbol, { arena: ArrayBuffer }>)[Symbol.for('tensorrt-node.settlements.v1')]!;
    // Each run of new dims: the addon then sets element 0 of the result it builds, with the output still to copy.
    for (const batch of [2, 3, 4]) {
      const x = Tensor.from('float32', new Float32Array(16 * batch).fill(1), [batch, 16]);
      const running = context.run({ x });
      onNextIndexZeroSet(() => {
        structuredClone(registry.arena, { transfer: [registry.arena] });
        (globalThis as { gc?: () => void }).gc?.();
      });
      const y = await running;
      expect(y.y!.dims).toEqual([batch, expected.length]);
      expect(Array.from(y.y!.data as Float32Array)).toEqual(Array.from({ length: batch }, () => expected).flat());
    }
  });

  it('a run submitted then that the addon rejects at once (a tensor of another GPU) rejects with its typed error', async () => {
    expect(simulator.setDeviceCount(2)).toBe(1);
    const other = Runtime.create({ backend: 'simulator', device: 1 });
    try {
      const elsewhere = await other.createDeviceTensor('float32', [1, 16]);
      let rejected: Promise<unknown> | undefined;
      const running = context.run({ x: ones() });
      onNextIndexZeroSet(() => {
        rejected = context.run({ x: elsewhere as unknown as TensorType }).catch((e: unknown) => e);
        void runtime.info; // more native calls, whose handles take the freed slots of a closed scope
      });
      expect(Object.keys(await running)).toEqual(['y']);
      const error = (await rejected) as { code?: string };
      expect(error.code).toBe('INVALID_INPUT');
      elsewhere.dispose();
    } finally {
      other.dispose();
      simulator.setDeviceCount(1);
    }
  });
});
