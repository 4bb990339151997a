// For scripts that load the built addon straight from node-gyp-build (a worker, a child process: no TypeScript
// loader there): the few lines of lib/settlements.ts they need. The addon settles the promises that JS makes, by
// ticket, through the function installed here; `run(context, ...args)` is context.run with a ticket, as lib/ calls it.
// Without an arena (lib/settlements.ts) every output comes as an ArrayBuffer, as these scripts read them.
export const RAW_SETTLEMENTS = `
const pendingTickets = new Map();
let nextTicket = 0;
native.installSettle((...batch) => {
  for (let i = 0; i < batch.length; i += 2) {
    const code = batch[i];
    const ticket = code >= 0 ? code : ~code;
    const pending = pendingTickets.get(ticket);
    pendingTickets.delete(ticket);
    if (pending) (code >= 0 ? pending.resolve : pending.reject)(batch[i + 1]);
  }
}, new ArrayBuffer(0));
const nativeCall = (start) => new Promise((resolve, reject) => {
  const ticket = nextTicket++;
  pendingTickets.set(ticket, { resolve, reject });
  try { start(ticket); } catch (error) { pendingTickets.delete(ticket); reject(error); }
});
const run = (context, ...args) => nativeCall((ticket) => context.run(ticket, ...args));
`;
