// A lock shared by test processes working in one checkout: `npm pack` runs the package's prepare step, which
// rebuilds dist/ (tsup cleans it first), so two test runs packing at once in the same checkout break each other.
// The lock is a directory (mkdir is atomic) holding the owner's pid; a lock whose owner died is taken over.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

function ownerAlive(lock: string): boolean {
  try {
    process.kill(Number(readFileSync(path.join(lock, 'pid'), 'utf8')), 0);
    return true;
  } catch (error) {
    // EPERM: alive but another user's. No pid file yet: its owner is between mkdir and write.
    return (error as NodeJS.ErrnoException).code === 'EPERM' || (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Runs `work` while no other process holds the lock `name` for the checkout at `root`. */
export async function withCheckoutLock<T>(root: string, name: string, work: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  const lock = path.join(tmpdir(), `trtn-${name}-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!ownerAlive(lock)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`lock ${lock} still held after ${timeoutMs} ms`);
      else await sleep(200);
    }
  }
  try {
    writeFileSync(path.join(lock, 'pid'), String(process.pid));
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
