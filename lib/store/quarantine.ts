// Moving a bad engine aside instead of deleting it: `<dir>/quarantine/<stem>.<time>-<rand>.{engine,json}` plus a
// `.reason.json` saying why, so an operator can inspect what failed and prune() can expire it later.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { TensorRTNodeError, makeError } from '../errors.js';
import { fsyncDir, writeFileAtomic } from './atomic-write.js';
import { exists, isMissing, removeIfPresent, statIfPresent } from './files.js';
import { ENGINE_EXT, SIDECAR_EXT, stemOf } from './naming.js';
import { sidecarPathOf } from './sidecar.js';

export const QUARANTINE_DIR = 'quarantine';
export const REASON_EXT = '.reason.json';

export interface QuarantineReason {
  readonly engine: string;
  readonly reason: string;
  /** The typed error's code when the reason was one (ENGINE_CORRUPT, ENGINE_INCOMPATIBLE, ...), else null. */
  readonly code: string | null;
  readonly time: string;
  readonly pid: number;
  readonly hostname: string;
  /** The quarantined files, relative to the quarantine folder. */
  readonly files: readonly string[];
}

export interface QuarantineResult {
  readonly dir: string;
  /** Paths of the moved engine and/or sidecar inside the quarantine folder. */
  readonly files: readonly string[];
  readonly reasonPath: string;
  readonly reason: QuarantineReason;
}

function compactTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Moves an engine and its sidecar (whichever exist) to the quarantine folder with a reason file. */
export async function quarantineEngine(enginePath: string, reason: string | Error): Promise<QuarantineResult> {
  const sources = [enginePath, sidecarPathOf(enginePath)];
  const present = (await Promise.all(sources.map(exists))).map((ok, i) => (ok ? sources[i]! : undefined)).filter((p) => p !== undefined);
  if (present.length === 0) {
    throw makeError('INVALID_ARGUMENT', `nothing to quarantine: neither ${enginePath} nor its sidecar exists`);
  }
  const home = path.dirname(enginePath);
  const dir = path.join(home, QUARANTINE_DIR);
  await mkdir(dir, { recursive: true });
  const now = new Date();
  const stem = `${stemOf(path.basename(enginePath))}.${compactTime(now)}-${randomBytes(3).toString('hex')}`;
  const moves = present.map((from) => ({ from, to: path.join(dir, stem + (from.endsWith(ENGINE_EXT) ? ENGINE_EXT : SIDECAR_EXT)) }));
  const record: QuarantineReason = {
    engine: path.basename(enginePath),
    reason: reason instanceof Error ? reason.message : reason,
    code: reason instanceof TensorRTNodeError ? reason.code : null,
    time: now.toISOString(),
    pid: process.pid,
    hostname: hostname(),
    files: moves.map((m) => path.basename(m.to)),
  };
  // The reason first: a crash then leaves a reason without files (harmless), never unexplained files.
  const reasonPath = path.join(dir, stem + REASON_EXT);
  await writeFileAtomic(reasonPath, `${JSON.stringify(record, null, 2)}\n`);
  const moved: string[] = [];
  for (const { from, to } of moves) {
    try {
      await rename(from, to);
      moved.push(to);
    } catch (error) {
      // Gone since we looked (another process quarantined it): only the files we moved are reported.
      if (!isMissing(error)) throw error;
    }
  }
  await fsyncDir(dir);
  await fsyncDir(home);
  if (moved.length === 0) {
    await removeIfPresent(reasonPath);
    throw makeError('INVALID_ARGUMENT', `nothing to quarantine: ${enginePath} was moved or removed by someone else meanwhile`);
  }
  return { dir, files: moved, reasonPath, reason: record };
}

export interface QuarantinedEntry {
  readonly stem: string;
  /** Every file of the entry (engine, sidecar, reason), absolute. */
  readonly files: readonly string[];
  /** When it was quarantined: the reason's time, else the newest file's mtime. */
  readonly time: Date;
  readonly reason?: QuarantineReason;
}

/** The quarantine folder's entries, grouped by stem. */
export async function listQuarantine(home: string): Promise<QuarantinedEntry[]> {
  const dir = path.join(home, QUARANTINE_DIR);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const groups = new Map<string, string[]>();
  for (const name of names) {
    if (name.startsWith('.')) continue; // temp files: prune handles them on their own terms
    const stem = name.endsWith(REASON_EXT) ? name.slice(0, -REASON_EXT.length) : name.replace(/\.(engine|json)$/, '');
    groups.set(stem, [...(groups.get(stem) ?? []), path.join(dir, name)]);
  }
  const entries: QuarantinedEntry[] = [];
  for (const [stem, files] of groups) {
    const reasonFile = files.find((f) => f.endsWith(REASON_EXT));
    let reason: QuarantineReason | undefined;
    // Another prune may remove an entry while this one reads it: a file gone meanwhile drops the entry.
    let gone = false;
    if (reasonFile) {
      try {
        reason = JSON.parse(await readFile(reasonFile, 'utf8')) as QuarantineReason;
      } catch (error) {
        if (isMissing(error)) gone = true;
        else if (!(error instanceof SyntaxError)) throw error;
        // An unreadable reason file: the entry is dated by its files' mtimes instead.
      }
    }
    let time = reason && !Number.isNaN(Date.parse(reason.time)) ? new Date(reason.time) : undefined;
    if (!time && !gone) {
      const mtimes = await Promise.all(files.map(async (f) => (await statIfPresent(f))?.mtimeMs));
      gone = mtimes.includes(undefined);
      time = new Date(Math.max(...mtimes.map((m) => m ?? 0)));
    }
    if (gone || !time) continue;
    entries.push({ stem, files, time, reason });
  }
  return entries.sort((a, b) => a.time.getTime() - b.time.getTime());
}
