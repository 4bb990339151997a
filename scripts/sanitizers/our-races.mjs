// Reads ThreadSanitizer reports and prints those about this project's code: a report counts when one of the racing
// accesses was made by the addon or a simulator library (its first frame past the sanitizer's interceptors). Node
// is not instrumented, so races inside it (V8's platform threads, libuv) are reported through its uninstrumented
// synchronization even when our call started them; those are not ours. Neither is glibc freeing an exited thread's
// TLS block after its thread_local destructors ran. Exit code 1 if any report is ours.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ours = /tensorrt_node\.node|libtrtsim_/;
const interceptor = /libtsan\.so|\/libsanitizer\//;
const glibcTlsTeardown = /_dl_deallocate_tls/;

/** The first frame of each access in a report ("Write of size 8 ... by thread T4:" and the frames below it). */
function accessFrames(report) {
  const frames = [];
  let inAccess = false;
  let found = false;
  for (const line of report.split('\n')) {
    if (/^\s{2}\S.* of size \d+ at /.test(line)) {
      inAccess = true;
      found = false;
    } else if (!/^\s+#\d+ /.test(line)) {
      inAccess = false;
    } else if (inAccess && !found && !interceptor.test(line)) {
      frames.push(line);
      found = true;
    }
  }
  return frames;
}

let count = 0;
// Every report file in the directory given (the sanitizer's log_path directory; none written means none found).
const dir = process.argv[2];
for (const file of readdirSync(dir).map((name) => path.join(dir, name))) {
  for (const report of readFileSync(file, 'utf8').split(/^={18}$/m)) {
    if (!/WARNING: ThreadSanitizer/.test(report) || glibcTlsTeardown.test(report)) continue;
    if (!accessFrames(report).some((frame) => ours.test(frame))) continue;
    count++;
    console.log(report.trim().split('\n').slice(0, 40).join('\n'), '\n');
  }
}
console.log(`thread-safety reports of tensorrt-node: ${count}`);
process.exit(count === 0 ? 0 : 1);
