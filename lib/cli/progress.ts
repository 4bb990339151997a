// Build progress on stderr: a cli-progress bar on an interactive terminal, plain lines everywhere else (pipes,
// log files, and whenever CI is set) so logs never fill with redraws.
// cli-progress is CommonJS with a non-literal exports object: only its default import works from ESM.
import cliProgress from 'cli-progress';
import type { BuildProgress } from '../build.js';
import { writeErr } from './output.js';

export interface ProgressReporter {
  readonly onProgress: (event: BuildProgress) => void;
  /** Ends the display (the bar is stopped so the terminal is left clean); safe to call twice. */
  stop(): void;
}

export function interactive(): boolean {
  return process.stderr.isTTY === true && !process.env.CI;
}

export function buildProgress(label: string): ProgressReporter {
  return interactive() ? barReporter(label) : lineReporter(label);
}

/** One bar for the top-level phase; the current nested phase is shown as its label. */
function barReporter(label: string): ProgressReporter {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: `${label} |{bar}| {value}/{total} {phase}`,
    hideCursor: true,
    clearOnComplete: false,
  });
  let running = false;
  let top: string | undefined;
  return {
    onProgress(event) {
      if (event.parent === undefined && event.kind === 'start') {
        top = event.phase;
        if (running) bar.stop();
        bar.start(event.steps ?? 1, 0, { phase: event.phase });
        running = true;
      } else if (!running) {
        return;
      } else if (event.phase === top && event.kind === 'step') {
        bar.update((event.step ?? 0) + 1, { phase: top });
      } else if (event.phase === top && event.kind === 'finish') {
        bar.update(bar.getTotal(), { phase: 'done' });
        bar.stop();
        running = false;
      } else if (event.kind === 'start') {
        bar.update({ phase: event.phase });
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}

/** A line per phase start and finish, and a step line at most once a second (TensorRT's tactic search is long). */
function lineReporter(label: string): ProgressReporter {
  const depth = new Map<string, number>();
  const started = new Map<string, number>();
  let lastLine = 0;
  const say = (phase: string, text: string) => {
    lastLine = Date.now();
    writeErr(`${label}: ${'  '.repeat(depth.get(phase) ?? 0)}${text}`);
  };
  return {
    onProgress(event) {
      if (event.kind === 'start') {
        depth.set(event.phase, event.parent === undefined ? 0 : (depth.get(event.parent) ?? 0) + 1);
        started.set(event.phase, Date.now());
        say(event.phase, `${event.phase} (${event.steps ?? '?'} steps)`);
      } else if (event.kind === 'finish') {
        say(event.phase, `${event.phase} done in ${Date.now() - (started.get(event.phase) ?? Date.now())} ms`);
      } else if (Date.now() - lastLine >= 1000) {
        say(event.phase, `${event.phase}: step ${(event.step ?? 0) + 1}`);
      }
    },
    stop() {},
  };
}
