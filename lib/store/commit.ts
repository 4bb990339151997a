// Putting a new engine and its sidecar in place. Both are written and fsynced under temp names first; then the
// engine is renamed into place, then the sidecar, each rename made durable by an fsync of the folder, so the
// sidecar (which readers require) never reaches the disk before the engine it describes. A crash before the
// sidecar's rename leaves an engine without a sidecar, which no reader trusts; a cancellation before the renames
// removes the temp files.
import { throwIfAborted } from './abort.js';
import { commitTemp, writeTemp } from './atomic-write.js';
import { removeIfPresent } from './files.js';
import { serializeSidecar, sidecarPathOf } from './sidecar.js';
import type { Sidecar } from './sidecar.js';

export async function commitEngine(enginePath: string, plan: Uint8Array, sidecar: Sidecar, signal?: AbortSignal): Promise<void> {
  const sidecarPath = sidecarPathOf(enginePath);
  const temps: string[] = [];
  try {
    temps.push(await writeTemp(enginePath, plan));
    temps.push(await writeTemp(sidecarPath, serializeSidecar(sidecar)));
    throwIfAborted(signal, 'the engine build');
    await commitTemp(temps[0]!, enginePath);
    await commitTemp(temps[1]!, sidecarPath);
  } catch (error) {
    for (const temp of temps) await removeIfPresent(temp);
    throw error;
  }
}
