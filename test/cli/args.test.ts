// Bad command lines exit 2 with a message that names the problem and the fix; help and --version exit 0.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STACK_TRACE, cliPackage, json, root, runCli, scratch, writeExampleModel } from './helpers.js';

const dir = scratch('args');
let model: string;

beforeAll(async () => {
  await cliPackage();
  model = await writeExampleModel(dir);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function usage(args: string[], message: RegExp) {
  const r = await runCli(args, { cwd: dir });
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_TRACE);
  return r;
}

describe.concurrent('the command line', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const command of ['doctor', 'inspect', 'build', 'verify', 'run']) expect(r.stdout).toContain(command);
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version);
  });

  it('without a command shows the help and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: tensorrt-node');
  });

  it('an unknown command or option exits 2 and points at --help', async () => {
    await usage(['frobnicate'], /unknown command 'frobnicate'[\s\S]*--help/);
    await usage(['doctor', '--bogus'], /unknown option '--bogus'[\s\S]*--help/);
  });

  it('a missing file exits 2 naming it', async () => {
    await usage(['inspect', 'missing.onnx'], /the file missing\.onnx does not exist/);
    await usage(['verify', 'missing.engine', '--backend', 'simulator'], /the engine file missing\.engine does not exist/);
    await usage(['run', model, '--backend', 'simulator', '--shapes', 'x:2x16', '--input', 'x=absent.npy'], /absent\.npy given for input 'x' does not exist/);
    await usage(['inspect'], /missing required argument 'file'/);
  });

  it('an unusable model, --out or --timing-cache path exits 2 naming it and the system error, with no stack', async () => {
    const file = path.join(dir, 'plain-file');
    writeFileSync(file, '');
    const build = ['build', model, '--backend', 'simulator', '--profile', 'x:1x16:8x16:64x16'];
    await usage(['inspect', `${file}/x.onnx`], /the file .*plain-file\/x\.onnx cannot be used: ENOTDIR: not a directory/);
    await usage(['verify', `${'a'.repeat(300)}.engine`, '--backend', 'simulator'], /the engine file a+\.engine cannot be used: ENAMETOOLONG/);
    await usage([...build, '--out', file], /the engine store folder ".*plain-file" cannot be created: EEXIST/);
    await usage([...build, '--out', `${file}/sub`], /the engine store folder ".*plain-file\/sub" cannot be created: ENOTDIR/);
    await usage([...build, '--out', path.join(dir, 'tc'), '--timing-cache', `${file}/t.cache`], /the folder of --timing-cache .*plain-file\/t\.cache is not a folder/);
    await usage([...build, '--out', path.join(dir, 'tc'), '--timing-cache', dir], /the timing cache .* is not a file/);
    expect(existsSync(path.join(dir, 'tc'))).toBe(false);
  });

  it('a file that exists but cannot be read exits 2 naming it and the system error, with no stack', async () => {
    // /proc/self/mem is a regular file whose first page cannot be read (EIO): what a file without permission gives
    // to anyone but root, which these tests may run as.
    const unreadable = '/proc/self/mem';
    await usage(['inspect', unreadable], /^error \[USAGE\]: the file \/proc\/self\/mem cannot be read: EIO/m);
    await usage(['build', unreadable, '--backend', 'simulator'], /the ONNX model \/proc\/self\/mem cannot be read: EIO/);
    await usage(['run', unreadable, '--backend', 'simulator'], /the model \/proc\/self\/mem cannot be read: EIO/);
    await usage(['verify', unreadable, '--backend', 'simulator'], /the engine file \/proc\/self\/mem cannot be read: EIO/);
  });

  it('a malformed --profile exits 2 with the expected form', async () => {
    await usage(['build', model, '--profile', 'x:1x16:8x16'], /--profile[\s\S]*expected name:min:opt:max, e\.g\. x:1x16:8x16:64x16/);
    await usage(['build', model, '--profile', 'x:1x16:8xa:64x16'], /opt '8xa' is not a shape: write the dims joined by 'x'/);
    await usage(['build', model, '--profile', 'x:1x16:8x16:4x16'], /dim 0 of 'x' must satisfy min <= opt <= max, got 1 \/ 8 \/ 4/);
    await usage(['build', model, '--profile', 'x:1x16:8x16:64'], /same rank/);
    await usage(['build', model, '--profile', 'x:1x16:8x16:64x16', '--profile', 'x:1x16:8x16:64x16'], /given twice for 'x'/);
  });

  it('profiles and shapes are checked against the model before building', async () => {
    await usage(['build', model, '--backend', 'simulator'], /input 'x' has dynamic dims \[batch,16\].*--profile x:1x16:8x16:64x16/);
    await usage(['build', model, '--backend', 'simulator', '--profile', 'z:1x16:8x16:64x16'], /--profile names 'z', which the model does not have as an input; its inputs are x \[batch,16\]/);
    await usage(['build', model, '--backend', 'simulator', '--profile', 'x:1x8:8x8:64x8'], /gives dim 1 the size 8, but the model fixes it to 16/);
    await usage(['run', model, '--backend', 'simulator', '--input', 'x=random'], /dynamic dims \[batch,16\]: give its shape with --shapes x:1x16/);
    await usage(['run', model, '--backend', 'simulator', '--shapes', 'x:2x16'], /no --input for 'x'.*--input x=random/);
    await usage(['run', model, '--backend', 'simulator', '--shapes', 'x:2x16', '--input', 'q=random', '--input', 'x=random'], /--input names 'q'/);
  });

  it('a value outside its choices or of the wrong kind exits 2', async () => {
    await usage(['doctor', '--backend', 'gpu'], /Allowed choices are tensorrt, simulator/);
    await usage(['build', model, '--precision', 'fp8'], /Allowed choices are fp32, fp16, bf16, int8/);
    await usage(['build', model, '--precision', 'int8', '--backend', 'simulator', '--profile', 'x:1x16:8x16:64x16'], /--precision int8 needs --calib-cache/);
    await usage(['run', model, '--atol', 'abc'], /--atol must be a non-negative number/);
    await usage(['run', model, '--compare', 'gpu'], /Allowed choices are cpu/);
    await usage(['run', model, '--input', 'x=data.csv'], /must be a \.json file, a \.npy file or the word random/);
  });

  it('a --workspace whose byte count is beyond 2^53 exits 2 before anything is built or written', async () => {
    const out = path.join(dir, 'ws-engines');
    const args = ['build', model, '--backend', 'simulator', '--profile', 'x:1x16:8x16:64x16', '--out', out];
    await usage([...args, '--workspace', '8796093022208'], /--workspace must be at most 8589934591 MiB \(2\^53 bytes\), got 8796093022208/);
    await usage([...args, '--workspace', '1e308'], /--workspace must be at most 8589934591 MiB/);
    await usage([...args, '--workspace', '-1'], /--workspace must be a non-negative number/);
    expect(existsSync(out)).toBe(false);
  });

  it('with --json, a usage error found by the command is also a JSON document', async () => {
    const r = await usage(['build', model, '--backend', 'simulator', '--json'], /dynamic dims/);
    const doc = json(r);
    expect(doc).toMatchObject({ command: 'build', ok: false, error: { code: 'USAGE' } });
    expect(doc.error.message).toContain('--profile x:1x16:8x16:64x16');
  });
});
