export { forecastTwin, drawRuntime } from "./forecast.js";
export { runFork, REMAINING_FLOOR_S, type RunInput, type RunOutput } from "./run.js";
export type { TwinRunning, TwinPending, TwinState, JobForecast, ForecastResult, ForecastOptions } from "./types.js";
export { StartBandCalibrator } from "./calibrate.js";
