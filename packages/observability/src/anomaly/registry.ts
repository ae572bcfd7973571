import { staticThreshold, windowedGaussian } from "./detectors/baselines.js";
import { cusum } from "./detectors/changepoint.js";
import { ensemble } from "./detectors/ensemble.js";
import { ewma, robustZ } from "./detectors/ewma.js";
import { seasonal } from "./detectors/seasonal.js";
import type { DetectorFactory } from "./types.js";

/** Every detector `aidc anomaly eval --detector` knows, by name. */
export const DETECTORS = {
  ensemble,
  robustZ: (ctx) => robustZ(ctx),
  ewma: (ctx) => ewma(ctx),
  seasonal,
  cusum,
  windowedGaussian: (ctx) => windowedGaussian(ctx),
  static: (ctx) => staticThreshold(ctx),
} as const satisfies Record<string, DetectorFactory>;
export type DetectorName = keyof typeof DETECTORS;
export const DETECTOR_NAMES = Object.keys(DETECTORS) as DetectorName[];
export const DEFAULT_DETECTOR: DetectorName = "ensemble";

export function isDetectorName(name: string): name is DetectorName {
  return Object.hasOwn(DETECTORS, name);
}
