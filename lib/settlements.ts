// The promises of the addon's asynchronous calls (run, ping, device buffer copies). JS makes each promise and hands
// the addon a ticket for it; when work finishes, the addon settles every ticket of a drain with one call to
// settleBatch (native/addon/completion.h). A promise made and resolved through N-API costs about 2k instructions on
// the JS thread per call, as much as the rest of a small run's own work; one made here and resolved from a batch,
// a fraction of that.
//
// The tickets live in one registry per JS realm (thread), kept on globalThis: when two copies of this package are
// loaded in one process (its ESM and CJS builds, say), they share one addon and so one settle function, and each
// copy's tickets must still settle. So the registry itself never types an error: who opened a ticket does.
import { fromNative } from './errors.js';

/** Who turns a fulfilled ticket's native value into the promise's value (a run's result record), and a rejection's
 * native error into the error to reject with (a context also counts its runs in flight). Kept per ticket instead of
 * a `.then` per call. */
export interface SettlementOwner {
  settledValue(value: unknown, extra: unknown): unknown;
  settledFailure(error: unknown): unknown;
}

type Resolve = (value: unknown) => void;
type Reject = (reason: unknown) => void;

interface Registry {
  // Parallel arrays indexed by ticket, so a call allocates nothing here beyond the promise; freed tickets are reused.
  readonly resolves: (Resolve | undefined)[];
  readonly rejects: (Reject | undefined)[];
  readonly owners: (SettlementOwner | undefined)[];
  readonly extras: unknown[];
  readonly freeTickets: number[];
  /** Where the addon puts small results of a batch (a run's output of up to 1 KB): it settles such a run with the
   * byte offset, and the owner copies the bytes out before settleBatch returns (the addon reuses the arena after). */
  readonly arena: ArrayBuffer;
  readonly settleBatch: (...batch: unknown[]) => void;
}

const REGISTRY = Symbol.for('tensorrt-node.settlements.v1');
const registry: Registry = ((globalThis as Record<symbol, Registry | undefined>)[REGISTRY] ??= newRegistry());

export const settlementArena: ArrayBuffer = registry.arena;
export const settleBatch: (...batch: unknown[]) => void = registry.settleBatch;

/** A ticket for a promise's resolve and reject (called from the promise's executor). Without an owner, `reject`
 * receives the addon's error as it is. */
export function openTicket(resolve: Resolve, reject: Reject, owner?: SettlementOwner, extra?: unknown): number {
  const ticket = registry.freeTickets.length > 0 ? registry.freeTickets.pop()! : registry.resolves.length;
  registry.resolves[ticket] = resolve;
  registry.rejects[ticket] = reject;
  registry.owners[ticket] = owner;
  registry.extras[ticket] = extra;
  return ticket;
}

/** A copy of the first output's `byteLength` bytes from what a native run() settled with (an ArrayBuffer, an arena
 * offset, or the dims followed by the bytes), for callers that bypass lib/context.ts (the benchmark's (b0)). Call it
 * while the value is being settled, in a ticket owner: the arena is reused once the batch is settled. */
export function firstOutputBytes(value: unknown, byteLength: number): ArrayBuffer {
  const bytes = Array.isArray(value) ? value[1] : value;
  if (typeof bytes === 'number') return settlementArena.slice(bytes, bytes + byteLength);
  if (bytes instanceof ArrayBuffer) return bytes.slice(0, byteLength);
  throw new TypeError(`not a run's settled value: ${typeof value}`);
}

/** Frees a ticket without settling its promise (one nobody has seen yet). */
export function closeTicket(ticket: number): void {
  if (registry.resolves[ticket] === undefined) return;
  registry.resolves[ticket] = registry.rejects[ticket] = registry.owners[ticket] = registry.extras[ticket] = undefined;
  registry.freeTickets.push(ticket);
}

/** Calls `start` with a new ticket and returns its promise, rejected with the typed error (fromNative) whether the
 * addon settles it so or `start` throws. An owner, if given, turns the settled value (and error) first. */
export function settleable<T>(start: (ticket: number) => void, owner?: SettlementOwner): Promise<T> {
  let ticket = -1;
  let rejectTyped: Reject = () => {};
  const promise = new Promise<T>((resolve, reject) => {
    rejectTyped = (error) => reject(fromNative(error));
    ticket = openTicket(resolve as Resolve, rejectTyped, owner);
  });
  try {
    start(ticket);
  } catch (error) {
    closeTicket(ticket);
    rejectTyped(error);
  }
  return promise;
}

function newRegistry(): Registry {
  const registry: Registry = {
    resolves: [],
    rejects: [],
    owners: [],
    extras: [],
    freeTickets: [],
    arena: new ArrayBuffer(64 * 1024),
    settleBatch: (...batch) => settleEach(registry, batch),
  };
  return registry;
}

/** The addon calls settleBatch with (ticket, value, ~ticket, error, ...): an inverted ticket is a rejection. Never
 * throws: each item is settled on its own (an owner's failure rejects that promise only). Unknown tickets are
 * ignored (the native surface called directly with made-up ones, see test/native-surface.test.ts). */
function settleEach(registry: Registry, batch: unknown[]): void {
  for (let i = 0; i < batch.length; i += 2) {
    const code = batch[i] as number;
    const value = batch[i + 1];
    const ticket = code >= 0 ? code : ~code;
    const resolve = registry.resolves[ticket];
    if (resolve === undefined) continue;
    const reject = registry.rejects[ticket]!;
    const owner = registry.owners[ticket];
    const extra = registry.extras[ticket];
    closeTicket(ticket);
    if (owner === undefined) {
      (code >= 0 ? resolve : reject)(value);
      continue;
    }
    try {
      if (code >= 0) resolve(owner.settledValue(value, extra));
      else reject(owner.settledFailure(value));
    } catch (error) {
      reject(error);
    }
  }
}
