// TensorRT's log messages reach the caller's logger at or above the chosen severity, and nothing is printed
// otherwise; errors never depend on the logger (they come back as typed errors).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../lib/native.js';
import { Runtime } from '../lib/index.js';
import type { LogSeverity } from '../lib/index.js';
import { simulatorPlan } from './helpers/engines.js';

async function logsWhileDeserializing(logSeverity: LogSeverity) {
  const messages: [LogSeverity, string][] = [];
  const runtime = Runtime.create({ backend: 'simulator', logSeverity, logger: (s, m) => messages.push([s, m]) });
  const engine = await runtime.deserialize(await simulatorPlan('mlp'));
  // No waiting: what TensorRT logged during the call reaches the logger before the call's promise settles.
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

  it('messages logged during a call reach the logger before its promise settles, every time', async () => {
    const plan = await simulatorPlan('mlp');
    for (let i = 0; i < 50; i++) {
      const messages: string[] = [];
      using runtime = Runtime.create({ backend: 'simulator', logSeverity: 'info', logger: (_, m) => messages.push(m) });
      using _engine = await runtime.deserialize(plan);
      expect(messages).toContain('Loaded engine size: 1 MiB');
    }
  });

  it('rejects an unknown severity', () => {
    expect(() => Runtime.create({ backend: 'simulator', logSeverity: 'loud' as never })).toThrow(/logSeverity/);
  });

  it('a logger that throws: its exception is an uncaught exception, not a warning on stderr', async () => {
    // In a child, whose uncaughtException handler records it. Rethrown into a thread-safe function's call, Node's
    // default policy for this N-API version printed a DEP0168 warning and dropped the exception.
    const script = `
const { Runtime } = require(process.argv[1]);
const seen = [];
process.on('uncaughtException', (e) => seen.push(e.message));
(async () => {
  const runtime = Runtime.create({ backend: 'simulator', logSeverity: 'verbose', logger: () => { throw new Error('logger failed'); } });
  const engine = await runtime.deserialize(Buffer.from(process.argv[2], 'base64'));
  await new Promise((r) => setTimeout(r, 50));
  engine.dispose();
  runtime.dispose();
  console.log(JSON.stringify([...new Set(seen)]));
})();
`;
    const plan = Buffer.from(await simulatorPlan('mlp')).toString('base64');
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-e', script, path.join(packageRoot, 'dist/index.cjs'), plan], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual(['logger failed']);
    expect(stderr).not.toMatch(/DEP0168/);
  });
});
