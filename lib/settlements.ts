// The promises of the addon's asynchronous calls (run, ping, device buffer copies). JS makes each promise and hands
// the addon a ticket for it; when work finishes, the addon settles every ticket of a drain with one call to
// settleBatch (native/addon/completion.h). A promise made and resolved through N-API costs about 2k instructions on
// the JS thread per call, as much as the rest of a small run's own work; one made here and resolved from a batch,
// a fraction of that.
import { fromNative } from './errors.js';

/** Who turns a fulfilled ticket's native value into the promise's value (a run's result record), and is told of a
 * rejection (a context counts its runs in flight). Kept per ticket instead of a `.then` per call. */
export interface SettlementOwner {
  settledValue(value: unknown, extra: unknown): unknown;
  settledFailure(): void;
}

/** Where the addon puts small results of a batch (a run's output of up to 1 KB): it settles such a run with the
 * byte offset, and the owner copies the bytes out before settleBatch returns (the addon reuses the arena after). */
export const settlementArena = new ArrayBuffer(64 * 1024);

type Resolve = (value: unknown) => void;
type Reject = (reason: unknown) => void;

// Parallel arrays indexed by ticket, so a call allocates nothing here beyond the promise; freed tickets are reused.
const resolves: (Resolve | undefined)[] = [];
const rejects: (Reject | undefined)[] = [];
const owners: (SettlementOwner | undefined)[] = [];
const extras: unknown[] = [];
const freeTickets: number[] = [];

/** A ticket for a promise's resolve and reject (called from the promise's executor). */
export function openTicket(resolve: Resolve, reject: Reject, owner?: SettlementOwner, extra?: unknown): number {
  const ticket = freeTickets.length > 0 ? freeTickets.pop()! : resolves.length;
  resolves[ticket] = resolve;
  rejects[ticket] = reject;
  owners[ticket] = owner;
  extras[ticket] = extra;
  return ticket;
}

/** Rejects the promise of a ticket whose native call threw instead of taking it, with the typed error. */
export function failTicket(ticket: number, error: unknown): void {
  const reject = rejects[ticket];
  closeTicket(ticket);
  reject?.(fromNative(error));
}

/** Frees a ticket without settling its promise (one nobody has seen yet). */
export function closeTicket(ticket: number): void {
  if (resolves[ticket] === undefined) return;
  resolves[ticket] = rejects[ticket] = owners[ticket] = extras[ticket] = undefined;
  freeTickets.push(ticket);
}

/** Calls `start` with a new ticket and returns its promise: rejected with the typed error if `start` throws. */
export function settleable<T>(start: (ticket: number) => void): Promise<T> {
  let ticket = -1;
  const promise = new Promise<T>((resolve, reject) => {
    ticket = openTicket(resolve as Resolve, reject);
  });
  try {
    start(ticket);
  } catch (error) {
    failTicket(ticket, error);
  }
  return promise;
}

/** Called by the addon with (ticket, value, ~ticket, error, ...): an inverted ticket is a rejection. Never throws:
 * each item is settled on its own (an owner's failure rejects that promise only). Unknown tickets are ignored (the
 * native surface called directly with made-up ones, see test/native-surface.test.ts). */
export function settleBatch(...batch: unknown[]): void {
  for (let i = 0; i < batch.length; i += 2) {
    const code = batch[i] as number;
    const value = batch[i + 1];
    const ticket = code >= 0 ? code : ~code;
    const resolve = resolves[ticket];
    if (resolve === undefined) continue;
    const reject = rejects[ticket]!;
    const owner = owners[ticket];
    const extra = extras[ticket];
    closeTicket(ticket);
    if (code < 0) {
      try {
        owner?.settledFailure();
      } catch (error) {
        queueMicrotask(() => {
          throw error; // a defect in the owner: reported as uncaught, while the rest of the batch still settles
        });
      }
      reject(fromNative(value));
    } else if (owner === undefined) {
      resolve(value);
    } else {
      try {
        resolve(owner.settledValue(value, extra));
      } catch (error) {
        reject(error);
      }
    }
  }
}
