// Builds simulator engines from the model zoo once per test file.
import { Runtime, buildEngine } from '../../lib/index.js';
import type { Engine, ShapeRange } from '../../lib/index.js';
import { getModel } from '../models/index.js';
import type { ModelName } from '../models/index.js';

const plans = new Map<string, Promise<Uint8Array>>();

/** Default profiles per zoo model: dynamic dims from 1 to a small maximum. */
export const PROFILES: Record<string, Record<string, ShapeRange>> = {
  mlp: { x: { min: [1, 16], opt: [4, 16], max: [16, 16] } },
  embedding: { input_ids: { min: [1, 1], opt: [2, 8], max: [8, 32] } },
  int64_bool: { ids: { min: [1, 1], opt: [2, 6], max: [8, 16] }, mask: { min: [1, 1], opt: [2, 6], max: [8, 16] } },
  tiny_add: {},
  softmax_transpose: { x: { min: [2, 1, 8], opt: [2, 6, 8], max: [2, 16, 8] } },
  gelu20: { x: { min: [1, 8], opt: [2, 8], max: [8, 8] } },
  nonzero: { x: { min: [1, 1], opt: [2, 6], max: [4, 16] } },
  cnn: { x: { min: [1, 3, 4, 4], opt: [2, 3, 16, 16], max: [4, 3, 32, 32] } },
  decoder: { ids: { min: [1, 1], opt: [2, 8], max: [4, 16] }, attention_mask: { min: [1, 1], opt: [2, 8], max: [4, 16] } },
};

export function simulatorPlan(name: ModelName, profiles?: Record<string, ShapeRange>[]): Promise<Uint8Array> {
  const key = `${name}:${JSON.stringify(profiles ?? null)}`;
  let plan = plans.get(key);
  if (!plan) {
    const p = profiles ?? (Object.keys(PROFILES[name] ?? {}).length ? [PROFILES[name]!] : []);
    plan = buildEngine(getModel(name).onnx, { backend: 'simulator', profiles: p });
    plans.set(key, plan);
  }
  return plan;
}

export async function simulatorEngine(runtime: Runtime, name: ModelName, profiles?: Record<string, ShapeRange>[]): Promise<Engine> {
  return runtime.deserialize(await simulatorPlan(name, profiles));
}
