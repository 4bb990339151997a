// TensorRT's log lines ("[W] ...", "[E] ...", as the addon keeps them) as warnings of a call that succeeded.

/** A call that succeeded reports what TensorRT logged as warnings: "[W] " goes, and an error logged by a call that
 * still succeeded says so. A "(N lines left out)" line stays as it is. */
export function warningsOf(trtLog: readonly string[]): string[] {
  return trtLog.map((line) => {
    if (line.startsWith('[W] ')) return line.slice(4);
    if (line.startsWith('[E] ')) return `(logged as an error; the call went on) ${line.slice(4)}`;
    return line;
  });
}
