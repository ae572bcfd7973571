import { describe, expect, it } from "vitest";
import { ClusterState, buildTopology, decide, makeJob, resolvePolicy, type SchedJob } from "../../index.js";

function halfBusy(nodes: number): ClusterState {
  const s = new ClusterState(buildTopology(Array.from({ length: nodes }, (_, i) => ({ name: `n${i}`, gpus: 8 }))));
  // 4 GPUs busy on every node: 4 free on each, none with 8
  for (let n = 0; n < nodes; n++)
    s.start(makeJob(`busy${n}`).gpus(4).build(), [{ node: n, gpus: [n * 8, n * 8 + 1, n * 8 + 2, n * 8 + 3], gpuMilli: 1000 }], 0);
  return s;
}

function placements(s: ClusterState, job: SchedJob, policy: string) {
  const p = resolvePolicy(policy);
  if (!p.ok) throw new Error("policy");
  return decide(s, [job], p.value, { nowS: 1 }).placements;
}

describe("replica-aware placement", () => {
  it.each(["greedy", "backfill-easy", "topology", "sjf"])("%s never splits one replica across nodes", (policy) => {
    const s = halfBusy(2);
    const single: SchedJob = { ...makeJob("one-replica-of-8").gpus(8).build(), replicaGpus: 8 };
    expect(placements(s, single, policy)).toEqual([]);
    // a trace job without the constraint may still be spread (the simulator's semantics)
    expect(placements(s, makeJob("trace-8").gpus(8).build(), policy)[0]?.assignments.map((a) => a.gpus.length)).toEqual([4, 4]);
  });

  it("places replicas of 4 on two nodes, each whole", () => {
    const s = halfBusy(3);
    const gang: SchedJob = { ...makeJob("two-replicas-of-4").gpus(8).build(), replicaGpus: 4 };
    const [p] = placements(s, gang, "greedy");
    expect(p?.assignments.map((a) => a.gpus.length)).toEqual([4, 4]);
    expect(new Set(p?.assignments.map((a) => a.node)).size).toBe(2);
  });
});
