#!/usr/bin/env node
// The `tensorrt-node` command: doctor, inspect, build, verify and run. Exit codes: 0 ok, 1 the checked thing failed
// (doctor says the backend cannot run, verify found a bad engine, compare failed, a typed library error), 2 bad
// arguments (unknown option, missing file, malformed value), 130 interrupted by SIGINT. With --json each command
// prints one JSON document on stdout, documented at the top of its module; errors and progress go to stderr.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { packageRoot } from '../native.js';
import { registerBuild } from './build.js';
import { registerDoctor } from './doctor.js';
import { EXIT, formatError, reportOf } from './errors.js';
import { registerInspect } from './inspect.js';
import { registerRun } from './run.js';
import { registerVerify } from './verify.js';
import { dropStderr, writeErr } from './output.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function program(): Command {
  // exitOverride and showHelpAfterError are inherited by the commands registered after them.
  const cli = new Command('tensorrt-node')
    .description('Build, check and run NVIDIA TensorRT engines from Node.js (or on the bundled simulator).')
    .version(packageVersion())
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  registerDoctor(cli);
  registerInspect(cli);
  registerBuild(cli);
  registerVerify(cli);
  registerRun(cli);
  return cli;
}

async function main(argv: readonly string[]): Promise<void> {
  try {
    await program().parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message; help and --version exit 0, every parse error is a usage error.
      process.exitCode = error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
      return;
    }
    const report = reportOf(error);
    writeErr(formatError(report));
    process.exitCode = report.exitCode;
  }
}

// `tensorrt-node … | head` closes stdout early; that is not an error of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

// Progress and errors on stderr are secondary: `2>&1 >out.json | head -1` closing it must not stop a build midway
// (which would leave no engine and the build lock behind), so the command finishes without them.
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  dropStderr();
});

void main(process.argv);
