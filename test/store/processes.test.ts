// The store across processes: four processes asking for the same engine build it once and share the bytes, and a
// build killed mid-way leaves nothing that looks finished, only a lock the next caller sees is stale.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime, Tensor } from '../../lib/index.js';
import { readLock, staleReason } from '../../lib/store/lock.js';
import { EngineStore } from '../../lib/store/index.js';
import { simulator } from '../../lib/testing/index.js';
import { PROFILES } from '../helpers/engines.js';
import { getModel } from '../models/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
let work: string;
let childScript: string;
let onnxPath: string;
let runtime: Runtime;

type Message =
  | { kind: 'ready'; pid: number }
  | { kind: 'waiting'; holder?: number }
  | { kind: 'progress' }
  | { kind: 'done'; built: boolean; sha256: string; builds: number; path: string }
  | { kind: 'error'; message: string; code?: string };

interface Child {
  process: ChildProcess;
  messages: Message[];
  next(kind: Message['kind']): Promise<Message>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function startChild(dir: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [childScript, dir, onnxPath, JSON.stringify([PROFILES.mlp])], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const messages: Message[] = [];
  const waiters: { kind: Message['kind']; resolve: (m: Message) => void }[] = [];
  let stderr = '';
  let buffered = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const message = JSON.parse(buffered.slice(0, i)) as Message;
      buffered = buffered.slice(i + 1);
      messages.push(message);
      for (const w of waiters.filter((w) => w.kind === message.kind || message.kind === 'error')) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(message);
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    messages,
    exit,
    stderr: () => stderr,
    next(kind) {
      const seen = messages.find((m) => m.kind === kind || m.kind === 'error');
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ kind, resolve });
        void exit.then(({ code, signal }) => reject(new Error(`child exited (${code ?? signal}) before '${kind}': ${stderr}`)));
      });
    },
  };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trt-store-proc-'));
  childScript = path.join(work, 'child.mjs');
  // __dirname in lib/native.ts locates the package root (and so the addon): point it at lib/ as in the sources.
  await build({
    entryPoints: [path.join(here, 'child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: childScript,
    define: { __dirname: JSON.stringify(path.join(repo, 'lib')) },
    logLevel: 'error',
  });
  onnxPath = path.join(work, 'mlp.onnx');
  await writeFile(onnxPath, getModel('mlp').onnx);
  runtime = Runtime.create({ backend: 'simulator' });
});

afterAll(async () => {
  runtime.dispose();
  await rm(work, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('EngineStore across processes', () => {
  it('4 processes asking at once: exactly one builds, all get identical verified bytes', async () => {
    const dir = path.join(work, 'race');
    const children = Array.from({ length: 4 }, () => startChild(dir, { WAIT_GO: '1', STEP_DELAY: '30' }));
    for (const c of children) expect((await c.next('ready')).kind).toBe('ready');
    for (const c of children) c.process.stdin!.end('go\n');
    const results = await Promise.all(children.map((c) => c.next('done')));
    for (const [i, r] of results.entries()) expect(r, children[i]!.stderr()).toMatchObject({ kind: 'done' });
    const done = results as Extract<Message, { kind: 'done' }>[];
    expect(done.filter((r) => r.built)).toHaveLength(1);
    expect(done.map((r) => r.builds).reduce((a, b) => a + b, 0)).toBe(1);
    expect(new Set(done.map((r) => r.sha256)).size).toBe(1);
    // The race was real: at least one process found the lock held and waited for the builder.
    expect(children.filter((c) => c.messages.some((m) => m.kind === 'waiting')).length).toBeGreaterThanOrEqual(1);
    await Promise.all(children.map((c) => c.exit));

    // What they share is on disk once, verified, and the lock is gone.
    const files = (await readdir(dir)).sort();
    expect(files).toEqual([path.basename(done[0]!.path).replace(/\.engine$/, '.json'), path.basename(done[0]!.path)].sort());
    expect(sha256(await readFile(done[0]!.path))).toBe(done[0]!.sha256);
    const [entry] = await new EngineStore(dir).list({ runtime });
    expect(entry).toMatchObject({ status: 'ok' });
  });

  it('a build killed with SIGKILL mid-way leaves no engine or sidecar, a stale lock, and the next call builds', async () => {
    const dir = path.join(work, 'killed');
    const child = startChild(dir, { STEP_DELAY: '200' });
    await child.next('progress');
    child.process.kill('SIGKILL');
    expect(await child.exit).toEqual({ code: null, signal: 'SIGKILL' });

    const files = await readdir(dir);
    expect(files.filter((f) => !f.endsWith('.lock'))).toEqual([]);
    expect(files).toHaveLength(1);
    const lock = await readLock(path.join(dir, files[0]!));
    expect(lock?.info?.pid).toBe(child.process.pid);
    expect(staleReason(lock!)).toMatch(/no longer running/);

    const builds = simulator.counters().builds;
    const store = new EngineStore(dir);
    const result = await store.getOrBuild(onnxPath, { runtime, task: 'test', model: 'mlp', profiles: [PROFILES.mlp!] });
    expect(result.built).toBe(true);
    expect(simulator.counters().builds).toBe(builds + 1);
    expect((await readdir(dir)).sort()).toEqual([path.basename(result.path).replace(/\.engine$/, '.json'), path.basename(result.path)].sort());
    using engine = await runtime.loadEngine(result.path);
    using context = engine.createContext();
    const { y } = await context.run({ x: Tensor.from('float32', new Float32Array(2 * 16).fill(0.5), [2, 16]) });
    expect(y!.dims).toEqual([2, 8]);
  });
});
