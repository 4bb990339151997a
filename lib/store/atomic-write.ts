// Crash-safe file writes: data goes to a temp file in the target's folder, is fsynced, then renamed over the final
// name, and the folder is fsynced so the rename itself survives a power cut. A reader sees the old file, the new
// file or nothing, never a partial one.
import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMissing, removeIfPresent } from './files.js';

/** `.<name>.<pid>.<random>.tmp`: hidden, in the same folder (rename is only atomic within a filesystem), and
 * naming its writer so prune can tell an abandoned temp file from one being written. */
const TEMP = /^\.(.+)\.(\d+)\.([0-9a-f]+)\.tmp$/;

export function tempPathFor(finalPath: string): string {
  const name = `.${path.basename(finalPath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  return path.join(path.dirname(finalPath), name);
}

/** The final name and writer pid of a temp file name, or undefined when it is not one of ours. */
export function parseTempName(fileName: string): { target: string; pid: number } | undefined {
  const m = TEMP.exec(fileName);
  return m ? { target: m[1]!, pid: Number(m[2]) } : undefined;
}

/** Writes `data` to a new temp file next to `finalPath` and fsyncs it; returns the temp path. `mode`: the file's
 * permissions (before the umask), 0o644 unless given. */
export async function writeTemp(finalPath: string, data: Uint8Array | string, mode = 0o644): Promise<string> {
  const temp = tempPathFor(finalPath);
  const file = await open(temp, 'wx', mode);
  try {
    try {
      if (mode !== 0o644) await file.chmod(mode); // exactly the mode asked for, whatever the umask
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    await removeIfPresent(temp);
    throw error;
  }
  return temp;
}

/** fsync of a folder: makes the renames and unlinks in it durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Renames a synced temp file over its final name and makes the rename durable. */
export async function commitTemp(temp: string, finalPath: string): Promise<void> {
  await rename(temp, finalPath);
  await fsyncDir(path.dirname(finalPath));
}

/** Replaces `finalPath` with `data` atomically. An existing file keeps its permissions, and a symlink keeps pointing
 * where it did: the file it names is the one replaced (a timing cache shared through a link stays shared). */
export async function writeFileAtomic(finalPath: string, data: Uint8Array | string): Promise<void> {
  let target = finalPath;
  let mode: number | undefined;
  try {
    target = await realpath(finalPath);
    mode = (await stat(target)).mode & 0o7777;
  } catch (error) {
    // A new file, or a link whose target does not exist yet: written where the path says.
    if (!isMissing(error)) throw error;
  }
  const temp = await writeTemp(target, data, mode);
  try {
    await commitTemp(temp, target);
  } catch (error) {
    await removeIfPresent(temp);
    throw error;
  }
}
