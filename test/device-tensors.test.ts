// GPU-resident tensors: an output kept on the device feeds another engine directly (no host round trip), and the
// chained result equals the host path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, InvalidArgumentError, InvalidInputError, Runtime, Tensor } from '../lib/index.js';
import type { DeviceTensor } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorEngine } from './helpers/engines.js';

let runtime: Runtime;
beforeAll(() => {
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(() => runtime.dispose());

describe('device tensors', () => {
  it('chains two engines on the GPU: copies only at the ends', async () => {
    const mlp = await simulatorEngine(runtime, 'gelu20'); // x [b,8] -> y [b,8], z [b,4]
    const add = await simulatorEngine(runtime, 'gelu20');
    const first = mlp.createContext();
    const second = add.createContext();
    const x = Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => i / 8 - 1), [2, 8]);

    const hostY = (await first.run({ x })).y as Tensor;
    const hostChained = (await second.run({ x: hostY })).y as Tensor;

    const y = await runtime.createDeviceTensor('float32', [2, 8]);
    const z = await runtime.createDeviceTensor('float32', [2, 4]);
    const copiesBefore = simulator.counters().copiesExecuted;
    const out1 = await first.run({ x }, { outputs: { y, z } });
    expect(out1.y).toMatchObject({ onDevice: true, dims: [2, 8] });
    const out2 = await second.run({ x: y });
    // One input copy for the first run, two output copies (y, z) for the second: y never came to the host.
    expect(simulator.counters().copiesExecuted - copiesBefore).toBe(3);
    expect(Array.from(out2.y!.data as Float32Array)).toEqual(Array.from(hostChained.data as Float32Array));
    expect(Array.from((await y.toTensor()).data)).toEqual(Array.from(hostY.data as Float32Array));

    y.dispose();
    z.dispose();
    first.dispose();
    second.dispose();
    mlp.dispose();
    add.dispose();
  });

  it('a write, a run and a read of device tensors stay ordered on the device even when nothing is awaited in between', async () => {
    const engine = await simulatorEngine(runtime, 'gelu20');
    const context = engine.createContext();
    const host = Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => i / 4 - 2), [2, 8]);
    const expected = (await context.run({ x: host })).y as Tensor;
    const x = await runtime.createDeviceTensor('float32', [2, 8]);
    const y = await runtime.createDeviceTensor('float32', [2, 8]);
    const z = await runtime.createDeviceTensor('float32', [2, 4]);
    simulator.setCostModel({ copyGBps: 0.00001 }); // 64-byte copies now take milliseconds: any race would show
    try {
      const write = x.buffer.write(host.data); // utility stream
      const run = context.run({ x }, { outputs: { y, z } }); // the context's stream
      const read = y.buffer.read(); // utility stream again
      const [, , bytes] = await Promise.all([write, run, read]);
      expect(Array.from(new Float32Array(bytes))).toEqual(Array.from(expected.data as Float32Array));
    } finally {
      simulator.setCostModel({});
    }
    for (const t of [x, y, z]) t.dispose();
    context.dispose();
    engine.dispose();
  });

  it('device tensors disposed while a run reads and writes them: the run still finishes and resolves, then their memory goes', async () => {
    const engine = await simulatorEngine(runtime, 'gelu20');
    const context = engine.createContext();
    const host = Tensor.from('float32', Float32Array.from({ length: 16 }, (_, i) => i / 4 - 2), [2, 8]);
    const expected = await context.run({ x: host });
    simulator.synchronize();
    const allocationsBefore = simulator.counters().liveDeviceAllocations;
    const x = await runtime.createDeviceTensor('float32', [2, 8], host);
    const y = await runtime.createDeviceTensor('float32', [2, 8]);
    simulator.setCostModel({ launchMicros: 20_000 }); // the run is still on the device when its tensors are disposed
    let result;
    try {
      const run = context.run({ x }, { outputs: { y } });
      x.dispose();
      y.dispose();
      result = await run;
    } finally {
      simulator.setCostModel({});
    }
    expect(result.y).toMatchObject({ onDevice: true, dims: [2, 8] });
    expect(Array.from((result.z as Tensor).data as Float32Array)).toEqual(Array.from((expected.z as Tensor).data as Float32Array)); // the run computed
    const read = await (result.y as DeviceTensor).toTensor().catch((e: unknown) => e);
    expect(read).toBeInstanceOf(DisposedError);
    simulator.synchronize();
    expect(simulator.counters().liveDeviceAllocations).toBe(allocationsBefore);
    context.dispose();
    engine.dispose();
  });

  it('copyTo whose target is disposed while the copy runs resolves with that (disposed) tensor, as runs do', async () => {
    const from = await runtime.createDeviceTensor('float32', [2, 2], Tensor.from('float32', Float32Array.of(1, 2, 3, 4), [2, 2]));
    const to = await runtime.createDeviceTensor('float32', [2, 2]);
    simulator.setCostModel({ copyGBps: 1e-6 }); // 16 bytes take 16 ms
    let copied;
    try {
      const copying = from.copyTo(to);
      to.dispose();
      copied = await copying;
    } finally {
      simulator.setCostModel({});
    }
    expect(copied).toMatchObject({ onDevice: true, dtype: 'float32', dims: [2, 2] });
    expect(copied.buffer).toBe(to.buffer);
    expect(await copied.toTensor().catch((e: unknown) => e)).toBeInstanceOf(DisposedError);
    from.dispose();
  });

  it('a device tensor too small for the input shape is INVALID_INPUT naming the tensor', async () => {
    const engine = await simulatorEngine(runtime, 'gelu20');
    const context = engine.createContext();
    const small = await runtime.createDeviceTensor('float32', [1, 8]);
    const feed = { dtype: 'float32', dims: [2, 8], byteLength: small.byteLength, onDevice: true as const, buffer: small.buffer };
    const e = (await context.run({ x: feed as never }).catch((err: unknown) => err)) as InvalidInputError;
    expect(e).toBeInstanceOf(InvalidInputError);
    expect(e.tensor).toBe('x');
    expect(e.expected).toMatch(/64 bytes/);
    expect(e.actual).toMatch(/32 bytes/);
    const noBuffer = (await context.run({ x: { dtype: 'float32', dims: [2, 8], byteLength: 64, onDevice: true } as never }).catch(
      (err: unknown) => err,
    )) as InvalidInputError;
    expect(noBuffer).toBeInstanceOf(InvalidInputError);
    expect(noBuffer.expected).toMatch(/DeviceTensor/);
    small.dispose();
    context.dispose();
    engine.dispose();
  });

  it('wrong arguments to device buffers are INVALID_ARGUMENT saying what was wrong, and the buffer keeps working', async () => {
    using buffer = runtime.createDeviceBuffer(16);
    const refusals: [() => unknown, RegExp][] = [
      [() => runtime.createDeviceBuffer(-1), /createDeviceBuffer: byteLength must be a non-negative integer/],
      [() => runtime.createDeviceBuffer('16' as never), /createDeviceBuffer: byteLength must be a non-negative integer/],
      [() => runtime.createDeviceTensor('float32', [2 ** 31, 2 ** 31]), /createDeviceTensor: float32\[2147483648,2147483648\] would need 18446744073709552000 bytes, more than any device holds/],
      [() => buffer.write({} as never), /write expects a TypedArray or ArrayBuffer/],
      [() => buffer.write(new Uint8Array(8), 12), /write of 8 bytes at offset 12 overruns the device buffer of 16 bytes/],
      [() => buffer.write(new Uint8Array(1), 1.5), /offsets and lengths must be non-negative integers/],
      [() => buffer.read(17), /read offset 17 is beyond the device buffer of 16 bytes/],
      [() => buffer.read(4, 13), /read of 13 bytes at offset 4 overruns the device buffer of 16 bytes/],
    ];
    for (const [call, message] of refusals) {
      const error = await (async () => call())().then(() => undefined, (e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(message);
    }
    await buffer.write(Uint8Array.from({ length: 16 }, (_, i) => i));
    expect(Array.from(new Uint8Array(await buffer.read(4, 12)))).toEqual(Array.from({ length: 12 }, (_, i) => i + 4));
  });
});
