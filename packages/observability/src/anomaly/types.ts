/**
 * A streaming anomaly detector: it sees one sample at a time, in time order, and returns a score in
 * [0, 1] for that sample (1 = certainly anomalous). It never sees labels and never looks ahead.
 * Detectors are pure state machines (no I/O, no clock), so they also run in a browser.
 */
export interface Detector {
  update(timeMs: number, value: number): number;
}

/** What a detector may know before the stream starts (NAB gives detectors the same). */
export interface DetectorContext {
  /** Rows of warm-up the evaluator will not score (NAB: 15% of the file, at most 750). */
  readonly probationRows: number;
}

export type DetectorFactory = (ctx: DetectorContext) => Detector;
