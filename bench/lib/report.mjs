// What every benchmark writes next to its numbers: the machine and its load (a busy machine makes every figure
// noisier), and the JSON file under bench/results/ (git-ignored).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** The run's context: call at the start, pass to writeResults at the end (it adds the load average then). */
export function describeMachine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    loadAverageBefore: os.loadavg(),
  };
}

/** Writes bench/results/<name>.json and returns its path relative to the working directory. */
export function writeResults(name, machine, body) {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.json`);
  const out = { benchmark: name, ...machine, loadAverageAfter: os.loadavg(), ...body };
  writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
  return path.relative(process.cwd(), file) || file;
}

/** Runs a benchmark's main(): exit code 1 only if the benchmark itself fails (a wrong output, a crash). */
export function runBench(main) {
  main().then(
    () => {
      process.exitCode = 0;
    },
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

export const loadAverageNow = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');
