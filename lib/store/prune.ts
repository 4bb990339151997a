// Cleaning up after crashes and expiring the quarantine. Only what is provably abandoned is removed: temp files
// whose writer is dead, stale locks (same rule as waiters use), and quarantined entries past their keep time.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { showValue } from '../dtypes.js';
import { makeError } from '../errors.js';
import { parseTempName } from './atomic-write.js';
import { isMissing, removeIfPresent, statIfPresent } from './files.js';
import { breakStaleLock, DEFAULT_STALE_MS, isProcessAliveSince, removeStaleBreaker } from './lock.js';
import { LOCK_EXT } from './naming.js';
import { listQuarantine, QUARANTINE_DIR } from './quarantine.js';

export interface PruneOptions {
  /** How long quarantined entries are kept, in ms (default 7 days); 0 removes them all. */
  readonly keep?: number;
  /** Temp files younger than this are left alone even if their pid looks dead (default 60 s). */
  readonly tempMinAgeMs?: number;
  /** Lock staleness, as for waiting (default 10 minutes). */
  readonly lockStaleMs?: number;
}

export interface PruneResult {
  /** Temp files of crashed writes (absolute paths). */
  readonly temp: readonly string[];
  /** Stale lock files. */
  readonly locks: readonly string[];
  /** Files of expired quarantined entries. */
  readonly quarantined: readonly string[];
}

export const DEFAULT_QUARANTINE_KEEP_MS = 7 * 24 * 3600_000;

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

// The pid in a temp name is only meaningful on the host that wrote it; the minimum age keeps a write in progress on
// another host sharing the folder safe (a write takes seconds, not a minute).
async function pruneTemp(dir: string, minAgeMs: number, abandonedMs: number, now: number): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await namesIn(dir)) {
    const temp = parseTempName(name);
    if (!temp) continue;
    const file = path.join(dir, name);
    const st = await statIfPresent(file);
    // A live pid keeps it, unless that process started after the file was last written (a pid reused after a crash)
    // or the file is older than any write takes.
    if (!st || now - st.mtimeMs < minAgeMs) continue;
    if (now - st.mtimeMs < abandonedMs && isProcessAliveSince(temp.pid, st.mtimeMs)) continue;
    if (await removeIfPresent(file)) removed.push(file);
  }
  return removed;
}

// Checked before anything is removed: an age compared with NaN or '7d' is never "young", so it would remove everything.
function durationOption(options: PruneOptions, name: keyof PruneOptions, fallback: number): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) {
    throw makeError('INVALID_ARGUMENT', `prune: ${name} must be a number of milliseconds >= 0 (Infinity: never), got ${showValue(value)}`);
  }
  return value;
}

export async function pruneStore(dir: string, options: PruneOptions = {}): Promise<PruneResult> {
  const keep = durationOption(options, 'keep', DEFAULT_QUARANTINE_KEEP_MS);
  const minAge = durationOption(options, 'tempMinAgeMs', 60_000);
  const lockStaleMs = durationOption(options, 'lockStaleMs', DEFAULT_STALE_MS);
  const now = Date.now();
  const temp = [
    ...(await pruneTemp(dir, minAge, lockStaleMs, now)),
    ...(await pruneTemp(path.join(dir, QUARANTINE_DIR), minAge, lockStaleMs, now)),
  ];

  const locks: string[] = [];
  for (const name of await namesIn(dir)) {
    const file = path.join(dir, name);
    if (name.endsWith(LOCK_EXT)) {
      if ((await breakStaleLock(file, lockStaleMs)) !== undefined) locks.push(file);
    } else if (name.endsWith(`${LOCK_EXT}.break`)) {
      // Left by a process that died while it broke a stale lock.
      if (await removeStaleBreaker(file)) locks.push(file);
    }
  }

  const quarantined: string[] = [];
  for (const entry of await listQuarantine(dir)) {
    if (now - entry.time.getTime() < keep) continue;
    for (const file of entry.files) {
      await rm(file, { force: true });
      quarantined.push(file);
    }
  }
  return { temp, locks, quarantined };
}
