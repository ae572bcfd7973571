import type { RuntimePrediction } from "@aidc/core";
import type { Assignment, SchedJob, Topology } from "@aidc/scheduler";

/** A running job at the fork: where it runs, since when, and its predicted total run time. */
export interface TwinRunning {
  readonly job: SchedJob;
  readonly assignments: readonly Assignment[];
  readonly startS: number;
  /** Start of the current uninterrupted run (elapsed = nowS − runStartS). */
  readonly runStartS: number;
  readonly runtime: RuntimePrediction;
}

/** A pending job at the fork with its predicted run time (the work it still needs). */
export interface TwinPending {
  readonly job: SchedJob;
  readonly runtime: RuntimePrediction;
}

/** The state a forecast forks: the live loop's (or a replay's) view at nowS. */
export interface TwinState {
  readonly topology: Topology;
  readonly down?: Uint8Array;
  readonly nowS: number;
  readonly running: readonly TwinRunning[];
  readonly pending: readonly TwinPending[];
}

export interface JobForecast {
  readonly jobId: string;
  /** Forecast start with p50 run times; undefined when the job does not start within the horizon. */
  readonly startS?: number;
  readonly endS?: number;
  /** 80 % band (p10–p90) of the start over the sampled runs (capped at the horizon). */
  readonly startBandS?: readonly [number, number];
  /** The job whose end frees the GPUs this job starts on (p50 run), when one does. */
  readonly after?: string;
}

export interface ForecastResult {
  readonly jobs: ReadonlyMap<string, JobForecast>;
  /** GPU utilization (time-weighted mean per step) of the p50 run, from nowS on. */
  readonly utilization: readonly { readonly tS: number; readonly ratio: number }[];
  /** Wall time of the forecast in milliseconds (0 when no clock was given). */
  readonly wallMs: number;
}

export interface ForecastOptions {
  /** Seconds after nowS the forecast looks ahead (default 7 days). */
  readonly horizonS?: number;
  /** Sampled runs for the band (default 16, 8 for forks of more than 2,000 jobs; 0 = no band). */
  readonly samples?: number;
  readonly seed?: number;
  /** Stop once these pending jobs have started (default: all pending jobs). */
  readonly targets?: readonly string[];
  /** Width of the utilization steps (seconds, default 600). */
  readonly utilizationStepS?: number;
  /**
   * Share of the sampled run-time draw that all jobs of one sample have in common (0–1, default 0.5):
   * a common factor models errors that hit many jobs at once (a queue running longer jobs than its
   * history says) and widens the start band. Independent draws (0) average out over a long queue and
   * gave bands covering only 25–30 % of real starts in bench/forecast-accuracy.mjs. Pass the bands
   * through a StartBandCalibrator for calibrated coverage.
   */
  readonly correlation?: number;
  /**
   * Events within this many seconds share one scheduling pass (run at the last of them; starts move
   * later by at most this much per wait). Default: 0 (one pass per event time) for forks of up to
   * 1,000 jobs, 60 s above.
   */
  readonly batchS?: number;
  /** Milliseconds clock for wallMs (the pure package reads no clock itself). */
  readonly clock?: () => number;
}
