// Reads LeakSanitizer reports and prints the leaks this project made: those whose allocating frame (the first one
// outside the sanitizer, libc, libstdc++ and libgcc) is in the addon or a simulator library. Node and V8 leave
// memory unfreed at exit by design; that is not ours. Exit code 1 if any leak is ours.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ours = /tensorrt_node\.node|libtrtsim_/;
const runtime = /libsanitizer|libasan|libstdc\+\+|libc\.so|libgcc/;
let count = 0;
// Every report file in the directory given (the sanitizer's log_path directory; none written means none found).
const dir = process.argv[2];
for (const file of readdirSync(dir).map((name) => path.join(dir, name))) {
  const report = readFileSync(file, 'utf8');
  for (const block of report.split(/\n(?=(?:Direct|Indirect) leak of)/)) {
    if (!/^(Direct|Indirect) leak of/.test(block)) continue;
    const frames = block.split('\n').filter((line) => /^\s+#\d+ /.test(line));
    const allocating = frames.find((line) => !runtime.test(line)) ?? '';
    if (!ours.test(allocating)) continue;
    count++;
    console.log(block.split('\n').slice(0, 12).join('\n'));
  }
}
console.log(`leaks of tensorrt-node: ${count}`);
process.exit(count === 0 ? 0 : 1);
