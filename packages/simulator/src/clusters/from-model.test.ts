import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkCluster, defaultCatalog, validateDocument, type ClusterModel } from "@aidc/core";
import { jobShape, resolvePolicy, withQuotas } from "@aidc/scheduler";
import { simulate } from "../engine/simulate.js";
import type { TraceJob } from "../types.js";
import { clusterFromModel } from "./from-model.js";

function demo(): ClusterModel {
  const text = readFileSync(new URL("../../../../examples/clusters/demo.yaml", import.meta.url), "utf8");
  const doc = validateDocument(text, defaultCatalog());
  if (doc.document?.kind !== "Cluster") throw new Error("demo.yaml is not a Cluster");
  const m = checkCluster(doc.document.value, defaultCatalog());
  if (!m.model) throw new Error(JSON.stringify(m.issues));
  return m.model;
}

describe("a cluster file in the simulator (the topology the live server uses)", () => {
  const model = demo();
  const setup = clusterFromModel(model);
  const t = setup.topology;

  it("keeps partitions, GPU types, CPUs and memory of every node", () => {
    expect(t.partitionNames).toEqual(["train", "serve"]);
    expect(t.gpuTypeNames).toEqual(["h100-sxm5-80gb", "l40s-48gb"]);
    const infer = t.nodeNames.indexOf("infer-01");
    expect(t.nodeCpuMilli[infer]).toBe(64_000);
    expect(t.nodeMemMiB[infer]).toBe(512 * 1024);
    expect(t.partitionNames[t.nodePartition[infer] ?? -1]).toBe("serve");
  });

  it("jobs asking for a GPU type run only on nodes of that type, on their queue's partition", () => {
    const job = (id: string, queue: string, gpuType: string, gpus: number, submitS: number): TraceJob => {
      const shape = jobShape([{ replicas: 1, gpus, gpuType, cpus: 8, memoryGiB: 64 }], t, setup.partitionOf({ queue } as TraceJob));
      return { id, submitS, durationS: 600, gpus: shape.gpus, queue, shape };
    };
    const trace = [
      ...Array.from({ length: 6 }, (_, i) => job(`h${i}`, "research", "h100-sxm5-80gb", 8, i)),
      ...Array.from({ length: 6 }, (_, i) => job(`l${i}`, "inference", "l40s-48gb", 4, i)),
    ];
    const profile = resolvePolicy("backfill-easy");
    if (!profile.ok) throw new Error("policy");
    const nodesOf = new Map<string, Set<string>>();
    const result = simulate(trace, t, withQuotas(profile.value, setup.quotas), setup.partitionOf, {
      observe: (state) => {
        for (const r of state.running.values()) nodesOf.set(r.id, new Set(r.assignments.map((a) => t.nodeNames[a.node] ?? "?")));
      },
    });
    expect(result.unschedulable).toEqual([]);
    for (const o of result.outcomes) expect(o.endS).toBeDefined();
    for (const [id, nodes] of nodesOf) {
      for (const n of nodes) expect(n.startsWith(id.startsWith("h") ? "dgx-" : "infer-"), `${id} ran on ${n}`).toBe(true);
    }
    expect(nodesOf.size).toBe(12);
  });

  it("a job whose one replica is larger than every node it may use is unschedulable, not run split", () => {
    const shape = jobShape([{ replicas: 1, gpus: 16, cpus: 1, memoryGiB: 1 }], t, setup.partitionOf({ queue: "research" } as TraceJob));
    const profile = resolvePolicy("fifo");
    if (!profile.ok) throw new Error("policy");
    const r = simulate([{ id: "big", submitS: 0, durationS: 60, gpus: 16, queue: "research", shape }], t, profile.value, setup.partitionOf);
    expect(r.unschedulable).toEqual(["big"]);
  });
});
