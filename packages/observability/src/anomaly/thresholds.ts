import type { DetectorName } from "./registry.js";
import type { Thresholds } from "./nab/evaluate.js";

/**
 * One global threshold per detector and NAB profile, tuned ONCE (NAB's corpus-wide optimisation, never
 * per file) on the 30-file NAB subset in ../shared/data/nab and then frozen here, so that any other
 * folder (e.g. held-out series) is scored without looking at its labels to pick a threshold.
 * Regenerate with `node bench/anomaly-eval.mjs` (its `tunedThresholds`) after changing a detector.
 */
export const FROZEN_THRESHOLDS: Record<DetectorName, Thresholds> = {
  ensemble: { standard: 0.507467279915695, lowFp: 0.507467279915695, lowFn: 0.507467279915695 },
  robustZ: { standard: 0.9530767559151095, lowFp: 0.9569647422646301, lowFn: 0.9468870303321996 },
  ewma: { standard: 0.7046476951962197, lowFp: 0.942958873989354, lowFn: 0.7046476951962197 },
  seasonal: { standard: 0.884394116419679, lowFp: 0.9557985949060853, lowFn: 0.884394116419679 },
  cusum: { standard: 0.7117299804769421, lowFp: 0.7569544552475078, lowFn: 0.6996727981268132 },
  windowedGaussian: { standard: 1, lowFp: 1, lowFn: 0.999999999999955 },
  static: { standard: 0.8072271914132381, lowFp: 0.8408966269328478, lowFn: 0.802830078353409 },
};
