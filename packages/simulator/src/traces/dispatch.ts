import { readAidcTrace } from "./aidc.js";
import type { ReadResult } from "./csv.js";
import { openbPodToJob, readOpenbPods, type ReadOptions } from "./openb.js";
import { readPollux, readTiresias, type PolluxOptions } from "./small-traces.js";
import type { TraceJobDetail } from "./types.js";

/** Job-trace formats these readers cover (Philly has its own reader, `readPhilly`). */
export const JOB_TRACE_FORMATS = ["openb", "pollux", "tiresias", "aidc"] as const;
export type JobTraceFormat = (typeof JOB_TRACE_FORMATS)[number];

/**
 * Read any supported job trace into the common record. openb pods keep CPU-only pods (gpus 0) and shared GPUs
 * (gpuMilli < 1000); Pollux/Sia rows have no run time unless `opts.durationS` supplies one.
 */
export function readJobTrace(format: JobTraceFormat, lines: Iterable<string>, opts: PolluxOptions = {}): ReadResult<TraceJobDetail> {
  switch (format) {
    case "openb": {
      const r = readOpenbPods(lines, opts as ReadOptions);
      return { records: r.records.map(openbPodToJob), issues: r.issues };
    }
    case "pollux":
      return readPollux(lines, opts);
    case "tiresias":
      return readTiresias(lines, opts);
    case "aidc":
      return readAidcTrace(lines, opts);
  }
}
