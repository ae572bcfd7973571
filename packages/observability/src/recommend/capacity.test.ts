import { describe, expect, it } from "vitest";
import { capacityRule } from "./capacity.js";
import { NOW, job } from "./fixtures.testing.js";
import type { NodeView } from "./types.js";

// the demo cluster's shape: H100 nodes in partition train, L40S nodes in partition serve
const nodes: NodeView[] = [
  { name: "dgx-a-01", gpus: 8, accelerator: "h100", system: "dgx-h100", rack: "rack-a", partitions: ["train"] },
  { name: "dgx-b-01", gpus: 8, accelerator: "h100", system: "dgx-h100", rack: "rack-b", partitions: ["train"] },
  { name: "dgx-b-02", gpus: 8, accelerator: "h100", system: "dgx-h100", rack: "rack-b", partitions: ["train"] },
  { name: "infer-01", gpus: 8, accelerator: "l40s", rack: "rack-c", partitions: ["serve"] },
];
const queues = [
  { name: "research", quotaGpus: 64, partition: "train" },
  { name: "inference", quotaGpus: 8, partition: "serve" },
];
const running = [
  job("r1", { queue: "research", gpus: 8 }),
  job("r2", { queue: "research", gpus: 8 }),
  job("r3", { queue: "research", gpus: 4 }),
  job("i1", { queue: "inference", gpus: 4 }),
];
const free = { "dgx-a-01": 0, "dgx-b-01": 0, "dgx-b-02": 4, "infer-01": 4 };
const waiting = (id: string, queue: string, gpus: number, waitedS = 3600, gpuType?: string) =>
  job(id, { queue, gpus, state: "pending", submittedAtMs: NOW - waitedS * 1000, ...(gpuType ? { gpuType } : {}) });

describe("capacity", () => {
  it("proposes nodes like those the waiting jobs can use, in the rack most of them are in", () => {
    const r = capacityRule(nodes, free, queues, [...running, waiting("w1", "research", 16), waiting("w2", "research", 8)], NOW);
    expect(r).toHaveLength(1);
    // 24 GPUs wanted, 4 free: 20 lacking -> 3 nodes of 8
    expect(r[0]!.change).toEqual({ addNodes: [{ system: "dgx-h100", count: 3, rack: "rack-b" }] });
    expect(r[0]!.evidence).toEqual(expect.objectContaining({ partition: "train", waitingGpus: 24, freeGpus: 4, longestWaitS: 3600 }));
    expect(r[0]!.expectedGain).toEqual(expect.objectContaining({ value: 20, unit: "gpus" }));
    expect(r[0]!.action.command).toBe('aidc whatif --add-nodes "3x dgx-h100" --rack rack-b');
  });

  it("keeps to the partition and GPU type of the waiting job", () => {
    const r = capacityRule(
      nodes,
      free,
      queues,
      [...running, waiting("w1", "inference", 4), waiting("w2", "inference", 8, 3600, "l40s")],
      NOW,
    );
    // inference is at its quota with the 8-GPU job: only the 4-GPU one counts, and 4 L40S GPUs are free
    expect(r).toEqual([]);
    const more = capacityRule(nodes, { ...free, "infer-01": 0 }, queues, [...running, waiting("w1", "inference", 4, 3600, "l40s")], NOW);
    expect(more.map((x) => x.change)).toEqual([{ addNodes: [{ accelerator: "l40s", count: 1, rack: "rack-c" }] }]);
  });

  it("is quiet for quota waits, short waits and waits that free GPUs cover", () => {
    const tight = queues.map((q) => ({ ...q, quotaGpus: 24 }));
    expect(capacityRule(nodes, free, tight, [...running, waiting("w1", "research", 8)], NOW)).toEqual([]);
    expect(capacityRule(nodes, free, queues, [...running, waiting("w1", "research", 16, 60)], NOW)).toEqual([]);
    expect(capacityRule(nodes, free, queues, [...running, waiting("w1", "research", 4)], NOW)).toEqual([]);
  });
});
