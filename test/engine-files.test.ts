// Engine bytes that cannot be used give typed errors with TensorRT's messages, never a crash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineCorruptError, EngineIncompatibleError, InvalidArgumentError, Runtime, Tensor } from '../lib/index.js';
import { rewritePlanHeader, simulator } from '../lib/testing/index.js';
import { simulatorPlan } from './helpers/engines.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

let runtime: Runtime;
let plan: Uint8Array;
beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  plan = await simulatorPlan('mlp');
});
afterAll(() => runtime.dispose());

async function deserializeError(bytes: Uint8Array) {
  return runtime.deserialize(bytes).then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('deserializing bad engine bytes', () => {
  it('garbage bytes: ENGINE_CORRUPT, magic tag', async () => {
    const e = await deserializeError(new TextEncoder().encode('this is not an engine, just some text'));
    expect(e).toBeInstanceOf(EngineCorruptError);
    expect((e as EngineCorruptError).message).toBe(
      'IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization assertion magicTagRead == kMAGIC_TAG failed.Magic tag does not match)',
    );
  });

  it('an engine file that cannot be read: INVALID_ARGUMENT naming the file, with the system error as its cause', async () => {
    const missing = '/nonexistent/tensorrt-node/model.engine';
    const e = await runtime.loadEngine(missing).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toBe(`the engine file "${missing}" cannot be read: ENOENT: no such file or directory, open '${missing}'`);
    expect(((e as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('empty bytes: ENGINE_CORRUPT', async () => {
    const e = await deserializeError(new Uint8Array(0));
    expect(e).toBeInstanceOf(EngineCorruptError);
    expect((e as Error).message).toBe('IRuntime::deserializeCudaEngine: Error Code 3: API Usage Error (Parameter check failed, condition: (blob) != nullptr && size > 0.)');
  });

  it('truncated plan at every length is refused with a typed error', async () => {
    for (const length of [1, 4, 20, 39, 40, 41, Math.floor(plan.length / 2), plan.length - 1]) {
      const e = await deserializeError(plan.subarray(0, length));
      expect(e, `length ${length}`).toBeInstanceOf(EngineCorruptError);
    }
    const e = (await deserializeError(plan.subarray(0, plan.length - 1))) as EngineCorruptError;
    expect(e.message).toMatch(/Size specified in header does not match archive size/);
  });

  it('flipped bytes in the body: ENGINE_CORRUPT', async () => {
    const corrupt = new Uint8Array(plan);
    corrupt[plan.length - 10]! ^= 0xff;
    const e = await deserializeError(corrupt);
    expect(e).toBeInstanceOf(EngineCorruptError);
    expect((e as Error).message).toBe(
      'IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization assertion plan body is consistent failed.Plan checksum does not match its contents)',
    );
  });

  it('an engine from another TensorRT version: ENGINE_INCOMPATIBLE with the version tags', async () => {
    const e = (await deserializeError(rewritePlanHeader(plan, { trtVersion: [10, 15, 1, 4] }))) as EngineIncompatibleError;
    expect(e).toBeInstanceOf(EngineIncompatibleError);
    expect(e.message).toBe(
      'IRuntime::deserializeCudaEngine: Error Code 1: Serialization (Serialization assertion stdVersionRead == kSERIALIZATION_VERSION failed.Version tag does not match. Note: Current Version: 239, Serialized Engine Version: 237)',
    );
  });

  it('an engine from another GPU: ENGINE_INCOMPATIBLE naming both compute capabilities', async () => {
    const e = (await deserializeError(rewritePlanHeader(plan, { computeCapability: [7, 5] }))) as EngineIncompatibleError;
    expect(e).toBeInstanceOf(EngineIncompatibleError);
    expect(e.trtMessages[0]).toContain('expecting compute 7.5 got compute 8.9, please rebuild.');
  });

  it('the runtime keeps working and nothing leaked', async () => {
    const engine = await runtime.deserialize(plan);
    const context = engine.createContext();
    const feeds = { x: Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => i / 4 - 2), [1, 16]) };
    await expectLikeOrt(getModel('mlp').onnx, feeds, await context.run(feeds));
    context.dispose();
    engine.dispose();
    simulator.synchronize();
    const c = simulator.counters();
    expect(c.liveEngines).toBe(0);
    expect(c.liveContexts).toBe(0);
  });
});
