import type { Issue } from "@aidc/core";
import { csvRows, type FieldSpec, type ReadResult } from "./csv.js";
import type { TraceJobDetail } from "./types.js";

/**
 * Alibaba GPU cluster trace 2023 ("openb", FGD ATC'23): node list `sn,cpu_milli,memory_mib,gpu,model` and pod list
 * `name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time`
 * (the multigpu* files have only the first five columns).
 */
export interface OpenbNode {
  readonly name: string;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly gpus: number;
  /** GPU model ("" for a CPU-only node). */
  readonly model: string;
}

export interface OpenbPod {
  readonly name: string;
  readonly cpuMilli: number;
  readonly memoryMiB: number;
  readonly gpus: number;
  /** Per-GPU milli (1000 for whole GPUs, < 1000 = shared); 0 for CPU-only pods. */
  readonly gpuMilli: number;
  /** Allowed GPU models (from `gpu_spec`, `|`-separated); empty = any. */
  readonly models: readonly string[];
  readonly qos?: string;
  readonly phase?: string;
  readonly creationS?: number;
  readonly deletionS?: number;
  readonly scheduledS?: number;
}

const NODE_FIELDS: readonly FieldSpec[] = [
  { name: "sn", type: "string", required: true },
  { name: "cpu_milli", type: "int", min: 0 },
  { name: "memory_mib", type: "int", min: 0 },
  { name: "gpu", type: "int", min: 0, max: 64 },
  { name: "model", type: "string" },
];

const POD_FIELDS: readonly FieldSpec[] = [
  { name: "name", type: "string", required: true },
  { name: "cpu_milli", type: "int", min: 0 },
  { name: "memory_mib", type: "int", min: 0 },
  { name: "num_gpu", type: "int", min: 0, max: 64 },
  { name: "gpu_milli", type: "int", min: 0 },
  { name: "gpu_spec", type: "string" },
  { name: "qos", type: "string" },
  { name: "pod_phase", type: "string" },
  { name: "creation_time", type: "number", required: false },
  { name: "deletion_time", type: "number", required: false },
  { name: "scheduled_time", type: "number", required: false },
];

export interface ReadOptions {
  /** Name used in issue paths (e.g. the file name). */
  readonly file?: string;
  readonly maxIssues?: number;
}

export function readOpenbNodes(lines: Iterable<string>, opts: ReadOptions = {}): ReadResult<OpenbNode> {
  const issues: Issue[] = [];
  const records: OpenbNode[] = [];
  for (const { line, row } of csvRows(lines, NODE_FIELDS, issues, { file: opts.file ?? "nodes", ...opts })) {
    const model = (row["model"] as string | undefined) ?? "";
    const gpus = row["gpu"] as number;
    if (gpus > 0 && model === "") {
      issues.push({ code: "bad-value", path: `line ${line}.model`, line, message: `node has ${gpus} GPUs but no model` });
      continue;
    }
    records.push({ name: row["sn"] as string, cpuMilli: row["cpu_milli"] as number, memoryMiB: row["memory_mib"] as number, gpus, model });
  }
  return { records, issues };
}

/**
 * Pod list. The GPU request is normalised the way the FGD tool-chain does: `gpu_milli` is clamped to 1000 and
 * forced to 0 for pods with no GPU; a shared GPU (`gpu_milli` < 1000) with more than one GPU is rejected.
 */
export function readOpenbPods(lines: Iterable<string>, opts: ReadOptions = {}): ReadResult<OpenbPod> {
  const file = opts.file ?? "pods";
  const issues: Issue[] = [];
  const records: OpenbPod[] = [];
  for (const { line, row } of csvRows(lines, POD_FIELDS, issues, { file, ...opts })) {
    const gpus = row["num_gpu"] as number;
    const gpuMilli = gpus === 0 ? 0 : Math.min(1000, row["gpu_milli"] as number);
    if (gpus > 1 && gpuMilli < 1000) {
      issues.push({
        code: "bad-value",
        path: `line ${line}.gpu_milli`,
        line,
        message: `a pod with ${gpus} GPUs must use whole GPUs (gpu_milli 1000), got ${gpuMilli}`,
      });
      continue;
    }
    const spec = (row["gpu_spec"] as string | undefined) ?? "";
    const pod: OpenbPod = {
      name: row["name"] as string,
      cpuMilli: row["cpu_milli"] as number,
      memoryMiB: row["memory_mib"] as number,
      gpus: gpuMilli === 0 ? 0 : gpus,
      gpuMilli,
      models: spec.split("|").filter((m) => m.length > 0),
      ...(row["qos"] !== undefined ? { qos: row["qos"] as string } : {}),
      ...(row["pod_phase"] !== undefined ? { phase: row["pod_phase"] as string } : {}),
      ...(row["creation_time"] !== undefined ? { creationS: row["creation_time"] as number } : {}),
      ...(row["deletion_time"] !== undefined ? { deletionS: row["deletion_time"] as number } : {}),
      ...(row["scheduled_time"] !== undefined ? { scheduledS: row["scheduled_time"] as number } : {}),
    };
    records.push(pod);
  }
  return { records, issues };
}

/** An openb pod as a common job record (duration = deletion − creation when both are known). */
export function openbPodToJob(p: OpenbPod): TraceJobDetail {
  const durationS = p.creationS !== undefined && p.deletionS !== undefined ? Math.max(0, p.deletionS - p.creationS) : undefined;
  return {
    id: p.name,
    submitS: p.creationS ?? 0,
    durationS: durationS ?? 0,
    gpus: p.gpus,
    gpuMilli: p.gpus === 0 ? 1000 : p.gpuMilli,
    cpuMilli: p.cpuMilli,
    memoryMiB: p.memoryMiB,
    nodes: 1,
    queue: p.qos ?? "default",
    gpuModels: p.models,
    ...(p.phase !== undefined ? { status: p.phase } : {}),
  };
}
