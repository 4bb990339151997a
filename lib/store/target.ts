// What a runtime can load: the facts an engine is checked against and named after.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { NativeDeviceInfo } from '../../binding.js';
import { makeError } from '../errors.js';
import { packageRoot } from '../native.js';
import type { Backend } from '../runtime.js';

/** The parts of a Runtime the store reads (a Runtime satisfies it). */
export interface StoreRuntime {
  readonly backend: Backend;
  readonly tensorrtVersion: readonly [number, number, number];
  readonly device: NativeDeviceInfo;
}

export interface Target {
  readonly backend: Backend;
  /** 'major.minor.patch' */
  readonly trtVersion: string;
  /** 'major.minor' */
  readonly computeCapability: string;
  /** 'major.minor' from cudaRuntimeVersion (13000 → '13.0') */
  readonly cudaVersion: string;
  readonly deviceName: string;
}

export function targetOf(runtime: StoreRuntime): Target {
  // A Runtime, or anything shaped like one (tests, other processes); the store cannot name an engine without it.
  const device = (runtime as Partial<StoreRuntime> | null | undefined)?.device;
  if (!device || !Array.isArray(device.computeCapability) || !Array.isArray(runtime.tensorrtVersion)) {
    throw makeError('INVALID_ARGUMENT', 'the EngineStore needs options.runtime: the Runtime the engine is for (its TensorRT version and GPU name the engine)');
  }
  const [ccMajor, ccMinor] = device.computeCapability;
  const cuda = device.cudaRuntimeVersion;
  const name = (device as { name?: unknown }).name;
  return {
    backend: runtime.backend,
    trtVersion: runtime.tensorrtVersion.join('.'),
    computeCapability: `${ccMajor}.${ccMinor}`,
    cudaVersion: `${Math.floor(cuda / 1000)}.${Math.floor((cuda % 1000) / 10)}`,
    deviceName: typeof name === 'string' && name !== '' ? name : 'unknown',
  };
}

let builder: string | undefined;

/** 'tensorrt-node@<version>' from the package's own package.json. */
export function builderId(): string {
  if (builder === undefined) {
    const pkg = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { name?: string; version?: string };
    builder = `${pkg.name ?? 'tensorrt-node'}@${pkg.version ?? '0.0.0'}`;
  }
  return builder;
}
