// File-system answers where "not there" is a normal outcome, not an error; every other failure is reported.
import type { Stats } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** The path exists but is no readable file: a folder, or a symlink loop. In the store that is a broken entry, unlike
 * EACCES, EMFILE or EIO, which say nothing about the entry and stay errors of the call. */
export function isNotAFile(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EISDIR' || code === 'ELOOP';
}

/** An error of a system call (no permission, an I/O error, ...): it carries errno's code and the call, unlike a
 * TensorRTNodeError, whose code is the package's. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException | undefined;
  return typeof e?.code === 'string' && typeof e.syscall === 'string';
}

/** stat, or undefined when the file is not there (any more). */
export async function statIfPresent(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    if (isNotAFile(error)) return true; // something is there (a symlink loop), it just cannot be read
    throw error;
  }
}

/** unlink that treats "already gone" as done; returns whether it removed the file. */
export async function removeIfPresent(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
