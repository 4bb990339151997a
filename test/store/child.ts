// A separate process for the multi-process store tests: processes.test.ts bundles this file with esbuild (no
// TypeScript loader is installed) and runs it with plain node. It reports to the parent as JSON lines on stdout.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Runtime } from '../../lib/index.js';
import { EngineStore } from '../../lib/store/index.js';
import { simulator } from '../../lib/testing/index.js';

const [dir, onnxPath, profilesJson] = process.argv.slice(2) as [string, string, string];
const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

async function stdinEnded(): Promise<void> {
  for await (const _ of process.stdin) {
    // The parent writes "go" and closes stdin, so all children start their getOrBuild at the same moment.
  }
}

async function main(): Promise<void> {
  const stepDelay = Number(process.env.STEP_DELAY ?? 0);
  if (stepDelay > 0) simulator.setBuildStepDelay(stepDelay);
  const runtime = Runtime.create({ backend: 'simulator' });
  const store = new EngineStore(dir, { lockPollMinMs: 5, lockPollMaxMs: 50 });
  send({ kind: 'ready', pid: process.pid });
  if (process.env.WAIT_GO === '1') await stdinEnded();
  let reported = false;
  const result = await store.getOrBuild(onnxPath, {
    runtime,
    task: 'test',
    model: 'mlp',
    profiles: JSON.parse(profilesJson),
    onWait: (holder) => send({ kind: 'waiting', holder: holder?.pid }),
    onProgress: () => {
      if (!reported) send({ kind: 'progress' });
      reported = true;
    },
  });
  const sha = createHash('sha256').update(await readFile(result.path)).digest('hex');
  send({ kind: 'done', built: result.built, sha256: sha, builds: simulator.counters().builds, path: result.path });
  runtime.dispose();
}

main().catch((error: { stack?: string; code?: string }) => {
  send({ kind: 'error', message: String(error?.stack ?? error), code: error?.code });
  process.exitCode = 1;
});
