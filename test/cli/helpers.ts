// Runs the CLI as a user does: `node <pkg>/dist/cli.js …` in a subprocess. The CLI is bundled with tsup from the
// current sources into a scratch package (dist/ plus links to build/, node_modules/ and package.json) keyed by a
// hash of the sources, instead of into the repository's dist/: consumer.test.ts runs `npm pack`, whose prepare
// step rebuilds dist/ (tsup cleans it first), and a CLI run in that window would find no dist/cli.js.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { getModel } from '../models/index.js';
import type { ModelName } from '../models/index.js';

const exec = promisify(execFile);
export const root = path.resolve(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...sourceFiles(path.join(root, 'lib')), path.join(root, 'binding.d.ts'), path.join(root, 'package.json')].sort()) {
    hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

const base = path.join(tmpdir(), `tensorrt-node-cli-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`);

/** Builds into a private folder and renames it into place: concurrent test files never see a half-built package
 * (a racer that loses the rename drops its copy and uses the winner's). */
async function publish(final: string, make: (dir: string) => Promise<void>): Promise<string> {
  if (existsSync(path.join(final, 'dist', 'cli.js'))) return final;
  const temp = `${final}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  mkdirSync(temp, { recursive: true });
  try {
    await make(temp);
    renameSync(temp, final);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    if (!existsSync(path.join(final, 'dist', 'cli.js'))) throw error;
  }
  return final;
}

function linkPackageFiles(dir: string): void {
  symlinkSync(path.join(root, 'build'), path.join(dir, 'build'));
  cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
}

function removeOldSnapshots(keep: string): void {
  const parent = path.dirname(base);
  for (const name of readdirSync(parent)) {
    const full = path.join(parent, name);
    if (!name.startsWith(path.basename(base)) || full.startsWith(keep)) continue;
    try {
      if (Date.now() - statSync(full).mtimeMs > 3600_000) rmSync(full, { recursive: true, force: true });
    } catch {
      // Another test run removed it first.
    }
  }
}

export interface CliPackage {
  readonly dir: string;
  readonly cli: string;
}

let built: Promise<CliPackage> | undefined;

/** The CLI built from the current sources (the same tsup options as tsup.config.ts, ESM only, no d.ts). */
export function cliPackage(): Promise<CliPackage> {
  built ??= (async () => {
    const final = `${base}-${sourceHash()}`;
    const dir = await publish(final, async (temp) => {
      await exec(
        path.join(root, 'node_modules', '.bin', 'tsup'),
        ['--no-config', '--entry.cli', 'lib/cli/main.ts', '--entry.testing', 'lib/testing/index.ts', '--format', 'esm', '--target', 'node20',
          '--platform', 'node', '--shims', '--external', 'node-gyp-build', '--out-dir', path.join(temp, 'dist'), '--silent'],
        { cwd: root },
      );
      linkPackageFiles(temp);
      symlinkSync(path.join(root, 'node_modules'), path.join(temp, 'node_modules'));
    });
    removeOldSnapshots(final);
    return { dir, cli: path.join(dir, 'dist', 'cli.js') };
  })();
  return built;
}

let builtWithoutOrt: Promise<CliPackage> | undefined;

/** The same CLI installed where onnxruntime-node cannot be found (its node_modules links every package but it). */
export function cliPackageWithoutOrt(): Promise<CliPackage> {
  builtWithoutOrt ??= (async () => {
    const withOrt = await cliPackage();
    const dir = await publish(`${withOrt.dir}-no-ort`, async (temp) => {
      cpSync(path.join(withOrt.dir, 'dist'), path.join(temp, 'dist'), { recursive: true });
      linkPackageFiles(temp);
      const modules = path.join(temp, 'node_modules');
      mkdirSync(modules);
      for (const name of readdirSync(path.join(root, 'node_modules'))) {
        if (name.startsWith('.') || name === 'onnxruntime-node') continue;
        symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
      }
    });
    return { dir, cli: path.join(dir, 'dist', 'cli.js') };
  })();
  return builtWithoutOrt;
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: Record<string, string>;
  readonly pkg?: CliPackage;
  /** Node options before the script, e.g. ['--import', preload]. */
  readonly nodeArgs?: readonly string[];
}

/** Starts the CLI; stdout and stderr are pipes, so it never sees a TTY. */
export async function spawnCli(args: readonly string[], options: CliOptions = {}): Promise<ChildProcess> {
  const pkg = options.pkg ?? (await cliPackage());
  return spawn(process.execPath, [...(options.nodeArgs ?? []), pkg.cli, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return collect(await spawnCli(args, options));
}

/** Parses stdout as the one JSON document --json promises. */
export function json<T = Record<string, any>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch (error) {
    throw new Error(`stdout is not one JSON document (${(error as Error).message}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

/** A scratch folder for one test file. */
export function scratch(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `trtn-cli-${prefix}-`));
}

/** Writes a model of the test zoo as an .onnx file. */
export function writeZooModel(dir: string, name: ModelName, file = `${name}.onnx`): string {
  const target = path.join(dir, file);
  writeFileSync(target, getModel(name).onnx);
  return target;
}

/** Runs examples/make-example-model.mjs into `dir` and returns the model's path. */
export async function writeExampleModel(dir: string): Promise<string> {
  const target = path.join(dir, 'mlp.onnx');
  await exec(process.execPath, [path.join(root, 'examples', 'make-example-model.mjs'), target], { cwd: root });
  return target;
}

/** What a crash with a stack trace looks like; expected failures must never print one. */
export const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
