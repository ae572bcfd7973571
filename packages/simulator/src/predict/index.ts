export { SampleWindow, bandOf, defaultBand, lindy, quantileFrom, FLOOR_S, MIN_SAMPLES, type Band } from "./band.js";
export {
  userBoundPredictor,
  userEstimatePredictor,
  plannerPredictor,
  historyPredictor,
  queueDistributionPredictor,
  chainPredictor,
  defaultPredictor,
  type PredictorOptions,
} from "./predictors.js";
