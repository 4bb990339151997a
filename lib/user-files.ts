// Files the caller names (an engine, a model, a cache): failing to read or write one is INVALID_ARGUMENT naming the
// file, with the system error as its cause, like every other error of the package (never a bare ENOENT).
import { readFile } from 'node:fs/promises';
import { makeError } from './errors.js';
import { writeFileAtomic } from './store/atomic-write.js';
import { isMissing } from './store/files.js';

/** The error for a file the caller named that cannot be read (also for reads that stream the file). */
export function unreadableFile(path: string, what: string, error: unknown): Error {
  return makeError('INVALID_ARGUMENT', `the ${what} ${JSON.stringify(path)} cannot be read: ${(error as Error).message}`, { cause: error });
}

export async function readUserFile(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw unreadableFile(path, what, error);
  }
}

/** As readUserFile, but a file that does not exist yet (a cache before its first write) is undefined. */
export async function readUserFileIfPresent(path: string, what: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw unreadableFile(path, what, error);
  }
}

export async function writeUserFile(path: string, data: Uint8Array, what: string): Promise<void> {
  try {
    await writeFileAtomic(path, data);
  } catch (error) {
    throw makeError('INVALID_ARGUMENT', `the ${what} ${JSON.stringify(path)} cannot be written: ${(error as Error).message}`, { cause: error });
  }
}
