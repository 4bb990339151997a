// TensorRT's log messages reach the caller's logger at or above the chosen severity, and nothing is printed
// otherwise; errors never depend on the logger (they come back as typed errors).
import { describe, expect, it } from 'vitest';
import { Runtime } from '../lib/index.js';
import type { LogSeverity } from '../lib/index.js';
import { simulatorPlan } from './helpers/engines.js';

async function logsWhileDeserializing(logSeverity: LogSeverity) {
  const messages: [LogSeverity, string][] = [];
  const runtime = Runtime.create({ backend: 'simulator', logSeverity, logger: (s, m) => messages.push([s, m]) });
  const engine = await runtime.deserialize(await simulatorPlan('mlp'));
  await new Promise((r) => setImmediate(r)); // log calls hop to the JS thread
  engine.dispose();
  runtime.dispose();
  return messages;
}

describe('logger', () => {
  it('receives info messages when asked for info', async () => {
    const messages = await logsWhileDeserializing('info');
    expect(messages).toContainEqual(['info', 'Loaded engine size: 1 MiB']);
  });

  it('filters below the severity', async () => {
    expect(await logsWhileDeserializing('warning')).toEqual([]);
  });

  it('rejects an unknown severity', () => {
    expect(() => Runtime.create({ backend: 'simulator', logSeverity: 'loud' as never })).toThrow(/logSeverity/);
  });
});
