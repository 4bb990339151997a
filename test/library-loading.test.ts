// The real TensorRT backend on a machine without TensorRT: a typed LIBRARY_NOT_FOUND naming every path tried.
// (This process never loads the simulator, so the environment variable is all that decides.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, LibraryNotFoundError, Runtime, buildInfo } from '../lib/index.js';

describe('loading TensorRT', () => {
  it('importing the package and reading buildInfo never needs TensorRT', () => {
    const info = buildInfo();
    const simulatorBackend = info.backends.find((b) => b.kind === 'simulator');
    expect(simulatorBackend).toEqual({ kind: 'simulator', headerVersion: '10.16.1', simulatorHeader: true });
  });

  it('TENSORRT_NODE_LIB_DIR pointing at an empty folder gives LIBRARY_NOT_FOUND with each path tried', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'trtn-empty-'));
    process.env.TENSORRT_NODE_LIB_DIR = empty;
    let error: unknown;
    try {
      Runtime.create({ backend: 'tensorrt' });
    } catch (e) {
      error = e;
    } finally {
      delete process.env.TENSORRT_NODE_LIB_DIR;
    }
    expect(error).toBeInstanceOf(LibraryNotFoundError);
    const e = error as LibraryNotFoundError;
    expect(e.code).toBe('LIBRARY_NOT_FOUND');
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/libnvinfer/);
    expect(e.message).toMatch(/TENSORRT_NODE_LIB_DIR/);
    expect(e.details.length).toBeGreaterThan(0);
    for (const tried of e.details) {
      expect(tried.startsWith(`${empty}/libnvinfer.so.`)).toBe(true);
      expect(tried).toMatch(/cannot open shared object file: No such file or directory/);
    }
  });

  it('an unknown backend name is an INVALID_ARGUMENT', () => {
    expect(() => Runtime.create({ backend: 'cuda' as never })).toThrow(InvalidArgumentError);
    expect(() => Runtime.create({ backend: 'cuda' as never })).toThrow(`backend must be 'tensorrt' or 'simulator', got "cuda"`);
  });
});
