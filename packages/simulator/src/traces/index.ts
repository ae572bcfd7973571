export type { TraceJobDetail, TraceRequest } from "./types.js";
export {
  csvRows,
  linesOf,
  splitCsvLine,
  type CsvRow,
  type CsvValue,
  type FieldSpec,
  type FieldType,
  type ReadResult,
  type RowEvent,
} from "./csv.js";
export { openbPodToJob, readOpenbNodes, readOpenbPods, type OpenbNode, type OpenbPod, type ReadOptions } from "./openb.js";
export { parseAzureTime, readAzureLlm, readPollux, readTiresias, type PolluxOptions } from "./small-traces.js";
export { AIDC_TRACE_API, readAidcTrace, writeAidcTrace } from "./aidc.js";
export { JOB_TRACE_FORMATS, readJobTrace, type JobTraceFormat } from "./dispatch.js";
