// What a runtime reports about its libraries and device; the simulator's device is configurable.
import { describe, expect, it } from 'vitest';
import { Runtime } from '../lib/index.js';
import { simulator } from '../lib/testing/index.js';

describe('runtime info', () => {
  it('names the loaded libraries and versions', () => {
    using runtime = Runtime.create({ backend: 'simulator' });
    const info = runtime.info;
    expect(info.backend).toBe('simulator');
    expect(info.libraryVersion).toBe(101601);
    expect(info.headerVersion).toBe(101601);
    expect(runtime.tensorrtVersion).toEqual([10, 16, 1]);
    expect(info.libraryPaths.map((p) => p.split('/').pop())).toEqual([
      'libtrtsim_nvinfer.so',
      'libtrtsim_cudart.so',
      'libtrtsim_nvonnxparser.so',
    ]);
    expect(info.onnxParserError).toBeNull(); // builds can parse ONNX
  });

  it('reports the device, which the simulator lets a test change', () => {
    using runtime = Runtime.create({ backend: 'simulator' });
    expect(runtime.device).toMatchObject({ name: 'tensorrt-node simulated GPU', computeCapability: [8, 9], cudaRuntimeVersion: 13000 });
    simulator.setDevice({ computeCapability: [9, 0], totalMemoryBytes: 2 ** 30, name: 'Simulated H100' });
    try {
      expect(runtime.device).toMatchObject({ name: 'Simulated H100', computeCapability: [9, 0], totalMemoryBytes: 2 ** 30 });
      expect(simulator.getDevice().computeCapability).toEqual([9, 0]);
    } finally {
      simulator.setDevice({ computeCapability: [8, 9], totalMemoryBytes: 8 * 2 ** 30, name: 'tensorrt-node simulated GPU' });
    }
  });
});
