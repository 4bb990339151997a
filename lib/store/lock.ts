// A cross-process lock per engine: `<stem>.lock`, created with O_EXCL and holding the holder's pid, host and start
// time. No lock library is installed (proper-lockfile is not a dependency), so this is the classic O_EXCL scheme:
// - acquire: open(O_CREAT|O_EXCL); EEXIST means someone holds it, so poll with backoff (honouring an AbortSignal);
// - liveness: the holder touches the file's mtime every staleMs/4, so a long build is never mistaken for a dead one;
// - staleness: the holder's pid is not a pid at all (0, negative, beyond int32) or is dead on this host, or is alive
//   but is another process (this one without the lock's token, or one that started after the lock was taken: a pid
//   reused after a crash, as a restarted container's pid 1), or the mtime is older than staleMs (another host), or
//   the file is unreadable (crash between create and write) for more than 10 s;
// - breaking a stale lock happens under a second O_EXCL file, `<lock>.break`, and re-reads the lock under it, so two
//   waiters that both saw the same stale lock cannot remove a fresh lock the other one just created.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, utimes, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { sleep, throwIfAborted } from './abort.js';
import { isMissing, removeIfPresent, statIfPresent } from './files.js';

export interface LockInfo {
  readonly pid: number;
  readonly hostname: string;
  readonly started_at: string;
  /** Unique per acquisition, so a holder recognises its own lock. */
  readonly token: string;
}

export interface LockState {
  /** undefined when the file is empty or not a lock record. */
  readonly info?: LockInfo;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly text: string;
}

export interface LockOptions {
  /** A lock not refreshed for this long is stale (default 10 minutes). */
  readonly staleMs?: number;
  /** Polling backoff while waiting: first and longest interval (default 25 ms and 1 s). */
  readonly pollMinMs?: number;
  readonly pollMaxMs?: number;
  readonly signal?: AbortSignal;
  /** Called once when the lock is found held and the caller starts waiting. */
  readonly onWait?: (holder: LockInfo | undefined) => void;
}

export const DEFAULT_STALE_MS = 10 * 60_000;
const UNREADABLE_GRACE_MS = 10_000;
const BREAKER_STALE_MS = 30_000;

// pid_t is a 32-bit int; 0 and negative numbers address process groups, so kill(0, 0) "succeeds" for any of them.
const MAX_PID = 2 ** 31 - 1;

/** True for a number that can be a process id (a positive int32). */
export function isPid(pid: unknown): pid is number {
  return Number.isSafeInteger(pid) && (pid as number) >= 1 && (pid as number) <= MAX_PID;
}

/** True when a process with this pid exists on this host (EPERM: it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!isPid(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') return false;
    if (code === 'EPERM') return true;
    throw error;
  }
}

// The tokens of the locks this process holds: a lock with this process's pid and another token was left by an
// earlier process that had the same pid.
const heldTokens = new Set<string>();

// Slack for comparing a process's start with a time the holder wrote: the start is derived from the boot time, in
// whole seconds, and a clock stepped forward makes a live holder look younger than it is.
const START_SLACK_MS = 5_000;

let bootTimeMs: number | undefined | null = null;

/** When the process with this pid started (ms since the epoch), from /proc (Linux); undefined where unknown. */
function processStartMs(pid: number): number | undefined {
  try {
    if (bootTimeMs === null) {
      const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
      bootTimeMs = Number.isFinite(btime) ? btime * 1000 : undefined;
    }
    if (bootTimeMs === undefined) return undefined;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, starttime, in clock ticks since boot (USER_HZ, 100 on Linux); fields 3.. follow the ")" of the name.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(ticks) ? bootTimeMs + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** True when a process with this pid runs on this host and is the one that was there at `sinceMs` (ms since the
 * epoch): one that started later only reuses the pid. */
export function isProcessAliveSince(pid: number, sinceMs: number): boolean {
  if (!isProcessAlive(pid)) return false;
  const started = processStartMs(pid);
  return started === undefined || !Number.isFinite(sinceMs) || started <= sinceMs + START_SLACK_MS;
}

function parseInfo(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (Number.isSafeInteger(v.pid) && typeof v.hostname === 'string' && typeof v.started_at === 'string' && typeof v.token === 'string') {
      return v as LockInfo;
    }
  } catch {
    // An empty or half-written file: reported as "unreadable" by staleReason, which is the point.
  }
  return undefined;
}

/** The lock's content and age, or undefined when there is no lock. */
export async function readLock(lockPath: string): Promise<LockState | undefined> {
  let file;
  try {
    file = await open(lockPath, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  // Content and identity from one open file, so they describe the same lock even if it is replaced meanwhile.
  try {
    const st = await file.stat();
    const text = await file.readFile('utf8');
    return { info: parseInfo(text), mtimeMs: st.mtimeMs, ino: st.ino, text };
  } finally {
    await file.close();
  }
}

/** Why the lock is stale, or undefined while its holder may still be working. */
export function staleReason(state: LockState, staleMs: number = DEFAULT_STALE_MS, now = Date.now()): string | undefined {
  const age = Math.max(0, now - state.mtimeMs);
  const info = state.info;
  if (!info) {
    return age > UNREADABLE_GRACE_MS ? `the lock file is empty or unreadable and ${Math.round(age / 1000)} s old` : undefined;
  }
  // No writer records such a pid, on any host: it is a damaged or forged lock, not a build in progress.
  if (!isPid(info.pid)) return `its pid ${info.pid} is not a process id`;
  if (info.hostname === hostname()) {
    if (info.pid === process.pid && !heldTokens.has(info.token)) {
      return `its holder was an earlier process with this one's pid (${info.pid}) on this host`;
    }
    if (!isProcessAliveSince(info.pid, Date.parse(info.started_at))) {
      return `its holder, pid ${info.pid} on this host, is no longer running`;
    }
  }
  if (age > staleMs) {
    return `its holder (pid ${info.pid} on ${info.hostname}) has not refreshed it for ${Math.round(age / 1000)} s (stale after ${Math.round(staleMs / 1000)} s)`;
  }
  return undefined;
}

/** True while another holder (not this process's own lock) may be working under the lock: a build saving its
 * engine renames the engine into place before its sidecar. */
export async function heldByAnother(lockPath: string): Promise<boolean> {
  const state = await readLock(lockPath).catch(() => undefined);
  if (!state || staleReason(state) !== undefined) return false;
  return !(state.info && heldTokens.has(state.info.token));
}

export class FileLock {
  readonly path: string;
  readonly info: LockInfo;
  #heartbeat: NodeJS.Timeout | undefined;
  /** The last failure to refresh the lock (e.g. it was removed as stale); isHeld() tells whether it still is ours. */
  heartbeatError: unknown;

  /** @internal */
  constructor(path: string, info: LockInfo, staleMs: number) {
    this.path = path;
    this.info = info;
    const every = Math.max(250, Math.floor(staleMs / 4));
    this.#heartbeat = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch((error: unknown) => {
        this.heartbeatError = error;
      });
    }, every);
    this.#heartbeat.unref();
  }

  /** True while the lock file is still the one this holder created. */
  async isHeld(): Promise<boolean> {
    const state = await readLock(this.path);
    return state?.info?.token === this.info.token;
  }

  /** Removes the lock if it is still ours (after losing it as stale, the file belongs to someone else). */
  async release(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    try {
      if (await this.isHeld()) await removeIfPresent(this.path);
    } finally {
      heldTokens.delete(this.info.token);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }
}

/** Takes the lock if it is free; undefined when someone holds it. */
export async function tryAcquireLock(lockPath: string, staleMs: number = DEFAULT_STALE_MS): Promise<FileLock | undefined> {
  let file;
  try {
    file = await open(lockPath, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  const info: LockInfo = { pid: process.pid, hostname: hostname(), started_at: new Date().toISOString(), token: randomBytes(12).toString('hex') };
  // No fsync: a lock only matters while its holder runs; after a power cut its dead pid makes it stale.
  try {
    try {
      await file.writeFile(JSON.stringify(info));
    } finally {
      await file.close();
    }
  } catch (error) {
    await removeIfPresent(lockPath);
    throw error;
  }
  heldTokens.add(info.token);
  return new FileLock(lockPath, info, staleMs);
}

/** Removes a breaker file old enough to be a dead process's (a live breaker holds one for milliseconds); returns
 * whether it did. */
export async function removeStaleBreaker(breaker: string): Promise<boolean> {
  const st = await statIfPresent(breaker);
  return st !== undefined && Date.now() - st.mtimeMs > BREAKER_STALE_MS && (await removeIfPresent(breaker));
}

/** Removes the lock if it is stale; returns why, or undefined when it was not (or no longer) stale. */
export async function breakStaleLock(lockPath: string, staleMs: number = DEFAULT_STALE_MS): Promise<string | undefined> {
  const seen = await readLock(lockPath);
  if (!seen || staleReason(seen, staleMs) === undefined) return undefined;
  const breaker = `${lockPath}.break`;
  let handle;
  try {
    handle = await open(breaker, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Someone else is breaking it, or a process died while it did.
    await removeStaleBreaker(breaker);
    return undefined;
  }
  try {
    await handle.close();
    // Re-read under the breaker: only the very lock judged stale is removed.
    const now = await readLock(lockPath);
    if (!now || now.ino !== seen.ino || now.text !== seen.text) return undefined;
    const reason = staleReason(now, staleMs);
    if (reason === undefined) return undefined;
    await unlink(lockPath);
    return reason;
  } finally {
    await removeIfPresent(breaker);
  }
}

/** Waits for the lock: polls with backoff (with jitter, so waiters do not stampede), breaking it when stale. */
export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<FileLock> {
  const staleMs = options.staleMs ?? DEFAULT_STALE_MS;
  const maxDelay = options.pollMaxMs ?? 1000;
  let delay = options.pollMinMs ?? 25;
  let waiting = false;
  const what = `waiting for the build lock ${lockPath}`;
  for (;;) {
    throwIfAborted(options.signal, what);
    const lock = await tryAcquireLock(lockPath, staleMs);
    if (lock) return lock;
    if ((await breakStaleLock(lockPath, staleMs)) !== undefined) continue;
    if (!waiting) {
      waiting = true;
      options.onWait?.((await readLock(lockPath))?.info);
    }
    await sleep(delay * (0.8 + 0.4 * Math.random()), options.signal, what);
    delay = Math.min(delay * 1.5, maxDelay);
  }
}
