export * from "./assumptions.js";
export * from "./hardware.js";
export * from "./shape.js";
export * from "./parallel.js";
export * from "./memory.js";
export * from "./pipeline.js";
export * from "./offload.js";
export * from "./collectives.js";
export * from "./training.js";
export * from "./search.js";
export * from "./inference.js";
export * from "./inference-batching.js";
export {
  checkValidation,
  measuredKeys,
  prepareChecks,
  scoreChecks,
  SCORED_KINDS,
  type CheckCase,
  type CheckOptions,
  type CheckReport,
  type CheckedEntry,
  type KindSummary,
} from "./validation/check.js";
export { parseConventions, applyConventions, type ConventionsTable, type SourceConventions } from "./validation/conventions.js";
export { CANDIDATE_FACTORS, fitAll, fitGroup, groupsFor, type FitGroup, type FitResult } from "./validation/calibrate.js";
export { selectGroups, type GroupChoice } from "./validation/select.js";
export { crossValidate, type CvReport, type CvKind, type CvFold } from "./validation/cv.js";
export type { ValidationEntry } from "./validation/entry.js";
export * from "./estimator.js";
export * from "./scenario/schemas.js";
export * from "./scenario/parse.js";
export * from "./scenario/train.js";
export * from "./scenario/infer.js";
export * from "./scenario/datacenter.js";
