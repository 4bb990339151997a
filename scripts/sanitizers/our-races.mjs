// Reads ThreadSanitizer reports and prints those that involve this project: a frame in the addon or a simulator
// library. Node itself is not instrumented, so its own reports (races through its uninstrumented atomics) are not
// ours; neither is glibc freeing an exited thread's TLS block after that thread's thread_local destructors ran
// (their order is glibc's, through synchronization TSan cannot see). Exit code 1 if any report is ours.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ours = /tensorrt_node\.node|libtrtsim_/;
const glibcTlsTeardown = /_dl_deallocate_tls/;
let count = 0;
// Every report file in the directory given (the sanitizer's log_path directory; none written means none found).
const dir = process.argv[2];
for (const file of readdirSync(dir).map((name) => path.join(dir, name))) {
  const reports = readFileSync(file, 'utf8').split(/^={18}$/m);
  for (const report of reports) {
    if (!/WARNING: ThreadSanitizer/.test(report) || !ours.test(report) || glibcTlsTeardown.test(report)) continue;
    count++;
    console.log(report.trim().split('\n').slice(0, 40).join('\n'), '\n');
  }
}
console.log(`thread-safety reports of tensorrt-node: ${count}`);
process.exit(count === 0 ? 0 : 1);
