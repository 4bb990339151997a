// quarantine() moves an engine aside with its reason and never deletes it; prune() removes only what is provably
// abandoned: temp files of dead writers, stale locks, and quarantined entries past their keep time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Runtime } from '../../lib/index.js';
import { EngineStore, sidecarPathOf } from '../../lib/store/index.js';
import { PROFILES } from '../helpers/engines.js';
import { getModel } from '../models/index.js';

let work: string;
let runtime: Runtime;
let n = 0;
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const age = async (file: string, ms: number) => {
  const t = new Date(Date.now() - ms);
  await utimes(file, t, t);
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trt-store-prune-'));
  runtime = Runtime.create({ backend: 'simulator' });
});
afterAll(async () => {
  runtime.dispose();
  await rm(work, { recursive: true, force: true });
});

async function storeWithEngine() {
  const store = new EngineStore(path.join(work, `store-${++n}`));
  const built = await store.getOrBuild(getModel('mlp').onnx, { runtime, task: 't', model: 'mlp', profiles: [PROFILES.mlp!] });
  return { store, built };
}

describe('quarantine', () => {
  it('moves the engine and sidecar with a reason file; the next getOrBuild rebuilds', async () => {
    const { store, built } = await storeWithEngine();
    const plan = await readFile(built.path);
    const q = await store.quarantine(built.path, 'suspected bad GPU memory during the build');
    expect(q.reason).toMatchObject({
      engine: path.basename(built.path),
      reason: 'suspected bad GPU memory during the build',
      code: null,
      pid: process.pid,
      hostname: hostname(),
    });
    expect(JSON.parse(await readFile(q.reasonPath, 'utf8'))).toEqual(q.reason);
    expect(q.files.map((f) => path.extname(f)).sort()).toEqual(['.engine', '.json']);
    expect(await readFile(q.files.find((f) => f.endsWith('.engine'))!)).toEqual(plan);
    expect(await readdir(store.dir)).toEqual(['quarantine']);
    // Quarantined twice: entries do not overwrite each other.
    const rebuilt = await store.getOrBuild(getModel('mlp').onnx, { runtime, task: 't', model: 'mlp', profiles: [PROFILES.mlp!] });
    expect(rebuilt.built).toBe(true);
    await store.quarantine(rebuilt.path, new Error('again'));
    expect(await readdir(q.dir)).toHaveLength(6);
  });

  it('an engine without a sidecar is quarantined alone; nothing at all is INVALID_ARGUMENT', async () => {
    const { store, built } = await storeWithEngine();
    await rm(sidecarPathOf(built.path));
    const q = await store.quarantine(built.path, 'orphan');
    expect(q.files).toHaveLength(1);
    const e = await store.quarantine(built.path, 'again').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as Error).message).toMatch(/nothing to quarantine: neither .* nor its sidecar exists/);
  });
  it('refuses anything but an engine file in the store folder, and moves nothing', async () => {
    const { store, built } = await storeWithEngine();
    const other = path.join(work, `other-${n}`);
    await mkdir(other);
    const outside = path.join(other, 'model.onnx');
    await writeFile(outside, 'not an engine');
    const sidecar = sidecarPathOf(built.path);
    for (const p of [`../other-${n}/model.onnx`, outside, sidecar, path.join(other, path.basename(built.path)), path.join(store.dir, 'quarantine', 'x.engine')]) {
      const e = await store.quarantine(p, 'test').catch((err: unknown) => err);
      expect(e, p).toBeInstanceOf(InvalidArgumentError);
      expect((e as Error).message).toMatch(/quarantine takes an engine file \(\*\.engine\) in the store's folder/);
    }
    expect(await readdir(other)).toEqual(['model.onnx']);
    expect((await readdir(store.dir)).sort()).toEqual([path.basename(built.path), path.basename(sidecar)].sort());
    // A name relative to the store folder is still fine.
    expect((await store.quarantine(path.basename(built.path), 'ok')).files).toHaveLength(2);
  });
});

describe('prune', () => {
  it('removes temp files of dead writers older than the minimum age, and keeps the others', async () => {
    const { store, built } = await storeWithEngine();
    const name = path.basename(built.path);
    const dead = deadPid();
    const abandoned = path.join(store.dir, `.${name}.${dead}.a1b2c3.tmp`);
    const young = path.join(store.dir, `.${name}.${dead}.d4e5f6.tmp`);
    const live = path.join(store.dir, `.${name}.${process.pid}.0a0b0c.tmp`);
    for (const f of [abandoned, young, live]) await writeFile(f, 'partial');
    // Aged by seconds, not minutes, with a minimum age to match: a file written before its writer started would
    // be one of an earlier process that had the same pid.
    await age(abandoned, 2000);
    await age(live, 2000);
    const result = await store.prune({ tempMinAgeMs: 1000 });
    expect(result).toEqual({ temp: [abandoned], locks: [], quarantined: [] });
    expect((await readdir(store.dir)).sort()).toEqual([path.basename(young), path.basename(live), name, path.basename(sidecarPathOf(built.path))].sort());
  });

  it('a temp file named with pid 0 or a pid beyond int32 is a dead writer\'s', async () => {
    const { store, built } = await storeWithEngine();
    const name = path.basename(built.path);
    const temps = [0, 2 ** 40].map((pid) => path.join(store.dir, `.${name}.${pid}.a1b2c3.tmp`));
    for (const f of temps) {
      await writeFile(f, 'partial');
      await age(f, 2 * 60_000);
    }
    expect(await store.prune()).toEqual({ temp: temps, locks: [], quarantined: [] });
  });

  it('removes stale locks but not held ones', async () => {
    const { store, built } = await storeWithEngine();
    const stale = built.path.replace(/\.engine$/, '.lock');
    await writeFile(stale, JSON.stringify({ pid: deadPid(), hostname: hostname(), started_at: new Date().toISOString(), token: 't' }));
    const held = path.join(store.dir, 'other.lock');
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => holder.once('spawn', resolve));
      await writeFile(held, JSON.stringify({ pid: holder.pid, hostname: hostname(), started_at: new Date().toISOString(), token: 'u' }));
      expect(await store.prune()).toEqual({ temp: [], locks: [stale], quarantined: [] });
      expect((await readdir(store.dir)).filter((f) => f.endsWith('.lock'))).toEqual(['other.lock']);
    } finally {
      holder.kill();
    }
  });

  it('removes a breaker file left by a process that died mid-break, and a temp file older than any write even if its pid lives', async () => {
    const { store, built } = await storeWithEngine();
    const breaker = built.path.replace(/\.engine$/, '.lock.break');
    await writeFile(breaker, '');
    expect(await store.prune()).toEqual({ temp: [], locks: [], quarantined: [] }); // a live breaker's, maybe
    await age(breaker, 60_000);
    // Named with this process's pid (a pid 1 that crashed and came back), last written an hour ago.
    const old = path.join(store.dir, `.${path.basename(built.path)}.${process.pid}.0a0b0c.tmp`);
    await writeFile(old, 'partial');
    await age(old, 3600_000);
    expect(await store.prune()).toEqual({ temp: [old], locks: [breaker], quarantined: [] });
  });

  it('removes quarantined entries older than `keep`, and only those', async () => {
    const { store, built } = await storeWithEngine();
    const q = await store.quarantine(built.path, 'old');
    expect(await store.prune()).toEqual({ temp: [], locks: [], quarantined: [] }); // default keep: 7 days
    expect(await store.prune({ keep: 60_000 })).toMatchObject({ quarantined: [] });
    const removed = await store.prune({ keep: 0 });
    expect([...removed.quarantined].sort()).toEqual([...q.files, q.reasonPath].sort());
    expect(await readdir(q.dir)).toEqual([]);
  });

  it('two prunes at once remove each expired entry once, and neither fails on the files the other removed', async () => {
    const { store, built } = await storeWithEngine();
    const entries = [await store.quarantine(built.path, 'first')];
    for (let i = 0; i < 5; i++) {
      const again = await store.getOrBuild(getModel('mlp').onnx, { runtime, task: 't', model: 'mlp', profiles: [PROFILES.mlp!] });
      entries.push(await store.quarantine(again.path, `round ${i}`));
    }
    const results = await Promise.all([store.prune({ keep: 0 }), store.prune({ keep: 0 }), store.prune({ keep: 0 })]);
    const removed = results.flatMap((r) => r.quarantined);
    for (const q of entries) for (const f of [...q.files, q.reasonPath]) expect(removed).toContain(f);
    expect(await readdir(entries[0]!.dir)).toEqual([]);
  });

  it('refuses an invalid keep, tempMinAgeMs or lockStaleMs before removing anything', async () => {
    const { store, built } = await storeWithEngine();
    const q = await store.quarantine(built.path, 'kept');
    const bad: [string, unknown][] = [['keep', NaN], ['keep', -1], ['keep', '7d'], ['keep', 'abc'], ['keep', {}], ['keep', null], ['tempMinAgeMs', NaN], ['lockStaleMs', -5]];
    for (const [name, value] of bad) {
      const e = await store.prune({ [name]: value }).catch((err: unknown) => err);
      expect(e, `${name}: ${String(value)}`).toBeInstanceOf(InvalidArgumentError);
      expect((e as Error).message).toContain(`prune: ${name} must be a number of milliseconds >= 0`);
    }
    expect((await readdir(q.dir)).length).toBe(3);
    expect(await store.prune({ keep: Infinity })).toMatchObject({ quarantined: [] });
    expect((await readdir(q.dir)).length).toBe(3);
  });

  it('an empty or missing folder prunes to nothing', async () => {
    expect(await new EngineStore(path.join(work, 'nowhere')).prune()).toEqual({ temp: [], locks: [], quarantined: [] });
  });
});
