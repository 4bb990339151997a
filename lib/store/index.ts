// tensorrt-node's EngineStore: verified, cross-process-safe engine files named by model, TensorRT version,
// precision and GPU.
export { EngineStore } from './engine-store.js';
export type { EngineListEntry, EngineStatus, EngineStoreOptions, GetOrBuildOptions, GetOrBuildResult } from './engine-store.js';
export { engineName, parseEngineName, PRECISIONS } from './naming.js';
export type { EngineNameParts, Precision } from './naming.js';
export { SIDECAR_FORMAT, readSidecar, sidecarPathOf } from './sidecar.js';
export type { BuildOptionsRecord, ShapeRangeRecord, Sidecar } from './sidecar.js';
export { isMissingPluginError, verifyEngine } from './verify.js';
export type { VerifyOptions } from './verify.js';
export { readPlanHeader, parsePlanHeader, PLAN_MAGIC } from './plan-header.js';
export type { PlanHeader } from './plan-header.js';
export type { QuarantineReason, QuarantineResult } from './quarantine.js';
export type { PruneOptions, PruneResult } from './prune.js';
export type { LockInfo } from './lock.js';
export type { StoreRuntime } from './target.js';
