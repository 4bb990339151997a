// Every bad input gets a typed error that names the tensor, the expected and the actual value, before any native
// work; nothing crashes and the context stays usable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, Runtime, Tensor } from '../lib/index.js';
import type { Engine, ExecutionContext } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { settleable } from '../lib/settlements.js';
import { simulatorEngine } from './helpers/engines.js';
import { expectLikeOrt } from './helpers/ort.js';
import { getModel } from './models/index.js';

let runtime: Runtime;
let engine: Engine;
let context: ExecutionContext;
const ids = (batch: number, seq: number) => Tensor.from('int64', new BigInt64Array(batch * seq).fill(3n), [batch, seq]);

beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'embedding'); // input_ids int64 [batch 1..8, seq 1..32]
  context = engine.createContext();
});
afterAll(() => {
  context.dispose();
  engine.dispose();
  runtime.dispose();
});

async function expectInvalid(feeds: unknown, tensor: string, expected: RegExp, actual: RegExp) {
  const enqueuesBefore = simulator.counters().enqueues;
  const error = await context.run(feeds as never).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidInputError);
  const e = error as InvalidInputError;
  expect(e.code).toBe('INVALID_INPUT');
  expect(e.retryable).toBe(false);
  expect(e.tensor).toBe(tensor);
  expect(e.expected).toMatch(expected);
  expect(e.actual).toMatch(actual);
  expect(e.message).toContain(tensor);
  // Rejected in TypeScript: TensorRT was never asked.
  expect(simulator.counters().enqueues).toBe(enqueuesBefore);
}

describe('input validation', () => {
  it('wrong dtype', async () => {
    await expectInvalid({ input_ids: Tensor.from('int32', new Int32Array(4), [1, 4]) }, 'input_ids', /int64/, /int32/);
  });

  it('wrong rank', async () => {
    await expectInvalid({ input_ids: Tensor.from('int64', new BigInt64Array(4), [4]) }, 'input_ids', /2 dims/, /1 dims \[4\]/);
  });

  it('a dim above the profile maximum', async () => {
    await expectInvalid({ input_ids: ids(1, 33) }, 'input_ids', /1\.\.32/, /33 in \[1,33\]/);
  });

  it('a dim below the profile minimum', async () => {
    await expectInvalid({ input_ids: ids(0, 4) }, 'input_ids', /1\.\.8/, /0 in \[0,4\]/);
  });

  it('missing input', async () => {
    await expectInvalid({}, 'input_ids', /a tensor/, /nothing/);
  });

  it('unknown input name', async () => {
    await expectInvalid({ input_ids: ids(1, 2), token_type_ids: ids(1, 2) }, 'token_type_ids', /input_ids/, /'token_type_ids'/);
  });

  it('buffer shorter than the shape', async () => {
    const short = { dtype: 'int64', dims: [2, 8], data: new BigInt64Array(15) };
    await expectInvalid({ input_ids: short }, 'input_ids', /128 bytes/, /120 bytes/);
  });

  it('data of another array type, or a DataView that only names itself a BigInt64Array', async () => {
    await expectInvalid({ input_ids: { dtype: 'int64', dims: [1, 2], data: new Float64Array(2) } }, 'input_ids', /BigInt64Array/, /Float64Array/);
    const impostor = Object.defineProperty(new DataView(new ArrayBuffer(16)), Symbol.toStringTag, { value: 'BigInt64Array' });
    await expectInvalid({ input_ids: { dtype: 'int64', dims: [1, 2], data: impostor } }, 'input_ids', /BigInt64Array/, /.+/);
  });

  it('detached ArrayBuffer', async () => {
    const t = ids(2, 4);
    structuredClone(t.data.buffer, { transfer: [t.data.buffer as ArrayBuffer] });
    await expectInvalid({ input_ids: t }, 'input_ids', /64 bytes/, /detached/);
  });

  it('not a tensor at all', async () => {
    await expectInvalid({ input_ids: [1, 2, 3] }, 'input_ids', /Tensor/, /Array|array/);
  });

  it('feeds that are not an object', async () => {
    const error = await context.run(42 as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('run() expects an object mapping input names to tensors, got number');
  });

  it('a feed whose getters answer differently when read again runs what was checked', async () => {
    // Found by fuzzing: dims, their elements and data were read once to validate and again to run, so a shape that
    // changed in between reached TensorRT unchecked, and data that vanished gave an INTERNAL TypeError.
    const valid = ids(2, 3);
    let dimsReads = 0;
    let dataReads = 0;
    let elementReads = 0;
    const dims = [2, 3];
    Object.defineProperty(dims, 1, { get: () => (elementReads++ === 0 ? 3 : 64), enumerable: true });
    const feed = {
      dtype: 'int64',
      get dims() {
        return dimsReads++ === 0 ? dims : [8, 64];
      },
      get data() {
        return dataReads++ === 0 ? valid.data : undefined;
      },
    };
    const out = await context.run({ input_ids: feed as never });
    expect([dimsReads, dataReads]).toEqual([1, 1]);
    expect(out.hidden!.dims).toEqual([2, 3, 16]);
    await expectLikeOrt(getModel('embedding').onnx, { input_ids: valid }, out);
  });

  it('the context still runs correctly after all of the above', async () => {
    const feeds = { input_ids: ids(2, 3) };
    const out = await context.run(feeds);
    expect(out.pooled!.dims).toEqual([2, 16]);
    expect(out.hidden!.dims).toEqual([2, 3, 16]);
    await expectLikeOrt(getModel('embedding').onnx, feeds, out);
  });
});

describe('the native layer checks sizes too (defence in depth)', () => {
  it('rejects a short buffer even when TypeScript validation is bypassed', async () => {
    const native = (context as unknown as { native(): { run: (...a: unknown[]) => void } }).native();
    const error = await settleable((t) => native.run(t, Float64Array.of(2, 4), undefined, new BigInt64Array(3))).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe('INVALID_INPUT');
    expect((error as Error).message).toMatch(/needs 64 bytes .* got 24/);
  });

  it('rejects a call with the wrong number of inputs, naming how many it needs', async () => {
    const native = (context as unknown as { native(): { run: (...a: unknown[]) => void } }).native();
    const error = await settleable((t) => native.run(t, Float64Array.of(2, 4), undefined)).catch((e: unknown) => e);
    expect((error as { code: string }).code).toBe('INVALID_INPUT');
    expect((error as Error).message).toMatch(/expects a ticket, the dims, the output targets and 1 inputs; got 3 arguments/);
  });

  it('rejects a shape outside the profile with TensorRT\'s own error when validation is bypassed', async () => {
    const native = (context as unknown as { native(): { run: (...a: unknown[]) => void } }).native();
    const error = (await settleable((t) => native.run(t, Float64Array.of(1, 64), undefined, new BigInt64Array(64))).catch((e: unknown) => e)) as {
      code: string;
      trtMessages: string[];
      trtErrorCode: number;
    };
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.trtErrorCode).toBe(3);
    expect(error.trtMessages[0]).toMatch(
      /^IExecutionContext::setInputShape: Error Code 3: API Usage Error \(Parameter check failed, condition: satisfyProfile\. Set dimension \[1,64\] for tensor input_ids does not satisfy any optimization profile\. Valid range for profile 0: \[1,1\]\.\.\[8,32\]\.\)$/,
    );
  });
});
