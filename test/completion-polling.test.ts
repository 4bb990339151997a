// Completion polling (setCompletionPolling): while runs are in flight the event loop drains completions on every
// turn instead of sleeping until a completion wakes it. What must hold: results stay correct, completions then need
// no wake-up, the loop keeps serving timers, and a run that outlasts the poll time still completes through the
// ordinary wake-up.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, Tensor, completionStats, setCompletionPolling } from '../lib/index.js';
import type { Engine, ExecutionContext } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';
import { simulatorEngine } from './helpers/engines.js';
import { getModel } from './models/index.js';

// c = a + b, b being tiny_add's initializer (test/models checks the model against onnxruntime): a float32 Add is
// exact, so every result is checked to the bit.
const B = getModel('tiny_add').weights.b!.data as Float32Array;

let runtime: Runtime;
let engine: Engine;
let context: ExecutionContext;
beforeAll(async () => {
  runtime = Runtime.create({ backend: 'simulator' });
  engine = await simulatorEngine(runtime, 'tiny_add');
  context = engine.createContext();
});
afterEach(() => {
  setCompletionPolling(0);
  simulator.clearFaults();
});
afterAll(() => {
  context.dispose();
  engine.dispose();
  runtime.dispose();
});

async function sequentialRuns(n: number): Promise<number> {
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const a = Float32Array.of(i, -i, i / 2, 1);
    const { c } = await context.run({ a: new Tensor('float32', a, [1, 4]) });
    const got = c!.data as Float32Array;
    if (got.some((v, k) => v !== Math.fround(a[k]! + B[k]!))) wrong++;
  }
  return wrong;
}

describe('completion polling', () => {
  it('is off by default and returns the previous setting', () => {
    expect(setCompletionPolling(250)).toBe(0);
    expect(setCompletionPolling(0)).toBe(250);
  });

  it('rejects a negative, non-finite or huge time with INVALID_ARGUMENT (1e300 us overflowed the deadline and turned polling off)', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number, 60_000_001, 1e300]) {
      expect(() => setCompletionPolling(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(setCompletionPolling(60_000_000)).toBe(0);
    expect(setCompletionPolling(0)).toBe(60_000_000);
  });

  it('picks up completions without waking the JS thread, and every result is right', async () => {
    setCompletionPolling(200_000); // far longer than a zero-cost run takes, even on a loaded machine
    const before = completionStats();
    expect(await sequentialRuns(500)).toBe(0);
    const after = completionStats();
    expect(after.settled - before.settled).toBe(500);
    // Each completion found a drain already scheduled; only a scheduling hiccup beyond 200 ms could cost a wake-up.
    expect(after.wakeUps - before.wakeUps).toBeLessThanOrEqual(10);
  });

  it('a run that outlasts the poll time still completes, through the ordinary wake-up', async () => {
    setCompletionPolling(100);
    simulator.injectFault({ kind: 'slow-kernel', millis: 30 });
    const before = completionStats();
    const { c } = await context.run({ a: new Tensor('float32', Float32Array.of(1, 2, 3, 4), [1, 4]) });
    expect(Array.from(c!.data as Float32Array)).toEqual([1, 2, 3, 4].map((v, k) => v + B[k]!));
    expect(completionStats().wakeUps - before.wakeUps).toBe(1);
  });

  it('timers keep firing while the loop polls for a slow run', async () => {
    setCompletionPolling(200_000); // polls for the whole slow run
    simulator.injectFault({ kind: 'slow-kernel', millis: 60 });
    const events: string[] = [];
    const run = context.run({ a: new Tensor('float32', Float32Array.of(1, 2, 3, 4), [1, 4]) }).then(() => events.push('run'));
    const timer = new Promise<void>((resolve) => setTimeout(() => {
      events.push('timer');
      resolve();
    }, 5));
    await Promise.all([run, timer]);
    expect(events).toEqual(['timer', 'run']);
  });
});
