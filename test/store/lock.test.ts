// The cross-process build lock: O_EXCL creation, waiting with backoff, stale detection (dead pid, age, unreadable),
// breaking a stale lock without ever removing a live one, and cancellation.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortedError } from '../../lib/index.js';
import { acquireLock, breakStaleLock, readLock, staleReason, tryAcquireLock } from '../../lib/store/lock.js';

let work: string;
let n = 0;
const lockPath = () => path.join(work, `engine-${++n}.lock`);
/** A pid that just exited (spawnSync reaps it, so it is not a zombie). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const lockRecord = (pid: number, host = hostname(), startedAt = new Date()) =>
  JSON.stringify({ pid, hostname: host, started_at: startedAt.toISOString(), token: 'x' });
/** Another process that runs until killed. */
const liveProcess = () => spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
const age = async (file: string, ms: number) => {
  const t = new Date(Date.now() - ms);
  await utimes(file, t, t);
};

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'trt-store-lock-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the build lock', () => {
  it('is created exclusively, names its holder, and is removed on release', async () => {
    const file = lockPath();
    const lock = (await tryAcquireLock(file))!;
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ pid: process.pid, hostname: hostname(), started_at: expect.any(String), token: lock.info.token });
    expect(await tryAcquireLock(file)).toBeUndefined();
    expect(await lock.isHeld()).toBe(true);
    await lock.release();
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a waiter polls until the holder releases, then gets it', async () => {
    const file = lockPath();
    const first = (await tryAcquireLock(file))!;
    let waiting!: (pid: number | undefined) => void;
    const waitedFor = new Promise<number | undefined>((resolve) => (waiting = resolve));
    const second = acquireLock(file, { pollMinMs: 5, pollMaxMs: 20, onWait: (holder) => waiting(holder?.pid) });
    expect(await waitedFor).toBe(process.pid); // told who holds it, while still waiting
    await first.release();
    const lock = await second;
    expect(await lock.isHeld()).toBe(true);
    expect(lock.info.token).not.toBe(first.info.token);
    await lock.release();
  });

  it('many waiters on a lock left by a dead process: it is broken once and they hold it one at a time', async () => {
    const file = lockPath();
    const pid = deadPid();
    await writeFile(file, lockRecord(pid));
    expect(staleReason((await readLock(file))!)).toBe(`its holder, pid ${pid} on this host, is no longer running`);
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        const lock = await acquireLock(file, { pollMinMs: 2, pollMaxMs: 10 });
        maxInside = Math.max(maxInside, ++inside);
        await new Promise((r) => setTimeout(r, 10));
        inside--;
        await lock.release();
      }),
    );
    expect(maxInside).toBe(1);
  });

  it('a live holder on this host is never stale by pid; one on another host is judged by age', async () => {
    const file = lockPath();
    const holder = liveProcess();
    try {
      await writeFile(file, lockRecord(holder.pid!));
      await age(file, 60_000);
      expect(staleReason((await readLock(file))!)).toBeUndefined();
    } finally {
      holder.kill();
    }
    await writeFile(file, lockRecord(deadPid(), 'another-host'));
    expect(staleReason((await readLock(file))!)).toBeUndefined();
    await age(file, 11 * 60_000);
    expect(staleReason((await readLock(file))!)).toMatch(/its holder \(pid \d+ on another-host\) has not refreshed it for 660 s \(stale after 600 s\)/);
    expect(staleReason((await readLock(file))!, 20 * 60_000)).toBeUndefined();
    expect(await breakStaleLock(file)).toMatch(/has not refreshed it/);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a pid reused after a crash does not keep the lock: this very process without the token, or one started after it was taken', async () => {
    // A restarted container's entrypoint is pid 1 again: the lock its crashed predecessor left names this process.
    const file = lockPath();
    await writeFile(file, lockRecord(process.pid));
    expect(staleReason((await readLock(file))!)).toBe(`its holder was an earlier process with this one's pid (${process.pid}) on this host`);
    const lock = await acquireLock(file, { signal: AbortSignal.timeout(5000) });
    expect(staleReason((await readLock(file))!)).toBeUndefined(); // its own, held
    await lock.release();
    // A live process that started after the lock was taken only reuses its holder's pid.
    const other = liveProcess();
    try {
      await new Promise((resolve) => other.once('spawn', resolve));
      await writeFile(file, lockRecord(other.pid!, hostname(), new Date(Date.now() - 3600_000)));
      expect(staleReason((await readLock(file))!)).toBe(`its holder, pid ${other.pid} on this host, is no longer running`);
      await writeFile(file, lockRecord(other.pid!));
      expect(staleReason((await readLock(file))!)).toBeUndefined();
    } finally {
      other.kill();
    }
  });

  it('an empty lock file (holder died between create and write) is stale only after a grace period', async () => {
    const file = lockPath();
    await writeFile(file, '');
    expect(staleReason((await readLock(file))!)).toBeUndefined();
    expect(await breakStaleLock(file)).toBeUndefined();
    await age(file, 15_000);
    expect(staleReason((await readLock(file))!)).toMatch(/empty or unreadable and 15 s old/);
  });

  it('a lock naming pid 0, a negative pid or one beyond int32 is stale at once, and a waiter takes it', async () => {
    for (const pid of [0, -1, 2 ** 40]) {
      const file = lockPath();
      await writeFile(file, lockRecord(pid));
      expect(staleReason((await readLock(file))!)).toBe(`its pid ${pid} is not a process id`);
      await writeFile(file, lockRecord(pid, 'another-host'));
      const lock = await acquireLock(file, { pollMinMs: 5, pollMaxMs: 20, signal: AbortSignal.timeout(5000) });
      expect(lock.info.pid).toBe(process.pid);
      await lock.release();
    }
  });

  it('the holder refreshes the lock, so a long build is not taken for a dead one', async () => {
    const file = lockPath();
    const lock = (await tryAcquireLock(file, 1000))!;
    await age(file, 5000);
    const before = (await stat(file)).mtimeMs;
    // The heartbeat (every 250 ms) brings the mtime back to now; wait for it however slow the machine is.
    let after = before;
    for (const deadline = Date.now() + 10_000; after <= before + 4000 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      after = (await stat(file)).mtimeMs;
    }
    expect(after).toBeGreaterThan(before + 4000);
    await lock.release();
  });

  it('a holder that lost its lock as stale does not remove the new holder\'s lock on release', async () => {
    const file = lockPath();
    const old = (await tryAcquireLock(file))!;
    await rm(file); // as a breaker would after judging it stale
    const current = (await tryAcquireLock(file))!;
    expect(await old.isHeld()).toBe(false);
    await old.release();
    expect(await current.isHeld()).toBe(true);
    await current.release();
  });

  it('a breaker that died mid-break does not block others forever', async () => {
    const file = lockPath();
    await writeFile(file, lockRecord(deadPid()));
    await writeFile(`${file}.break`, '');
    expect(await breakStaleLock(file)).toBeUndefined(); // someone (apparently) is breaking it
    await age(`${file}.break`, 60_000);
    expect(await breakStaleLock(file)).toBeUndefined(); // removes the dead breaker's file
    expect(await breakStaleLock(file)).toMatch(/no longer running/);
  });

  it('waiting honours an AbortSignal with a typed ABORTED', async () => {
    const file = lockPath();
    const lock = (await tryAcquireLock(file))!;
    const controller = new AbortController();
    // A poll interval longer than the test's timeout: only an abort that interrupts the wait lets the test pass.
    const waiting = acquireLock(file, { signal: controller.signal, pollMinMs: 600_000, pollMaxMs: 600_000 });
    setTimeout(() => controller.abort(new Error('shutdown')), 30);
    const e = await waiting.catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AbortedError);
    expect((e as AbortedError).message).toBe(`waiting for the build lock ${file} was cancelled`);
    expect(await lock.isHeld()).toBe(true);
    await lock.release();
  });
});
