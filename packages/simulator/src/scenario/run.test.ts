import { describe, expect, it } from "vitest";
import { Cluster, checkCluster, defaultCatalog } from "@aidc/core";
import { runScenario } from "./run.js";

const model = checkCluster(
  Cluster.parse({
    apiVersion: "aidc/v1",
    kind: "Cluster",
    name: "two-teams",
    racks: [{ name: "r1", pod: "p1", nodes: [{ name: "n", count: 2, accelerator: "h100-sxm5-80gb", gpus: 8, cpus: 64, memoryGiB: 512 }] }],
    queues: [
      { name: "a", quota: { gpus: 12 } },
      { name: "b", quota: { gpus: 4 } },
    ],
  }),
  defaultCatalog(),
).model!;
// queue a asks for all 16 GPUs at once, beyond its quota of 12
const trace = [
  { id: "big", submitS: 0, durationS: 100, gpus: 16, queue: "a" },
  { id: "small", submitS: 1, durationS: 100, gpus: 4, queue: "b" },
];
const profile = (quotas: string) => `apiVersion: aidc/v1
kind: SchedulerProfile
metadata: { name: p }
spec:
  policy: fifo
${quotas}`;

describe("runScenario", () => {
  it("applies the cluster's quotas to a policy and to a profile without quotas, and its own quotas otherwise", () => {
    const byPolicy = runScenario({ cluster: { model }, scheduler: { policy: "fifo" }, trace });
    const byProfile = runScenario({ cluster: { model }, scheduler: { profile: profile("") }, trace });
    const own = runScenario({
      cluster: { model },
      scheduler: { profile: profile("  quotas: [{ queue: a, nominalGpus: 16 }, { queue: b, nominalGpus: 16 }]") },
      trace,
    });
    if (!byPolicy.ok || !byProfile.ok || !own.ok) throw new Error("scenario refused");
    // quota 12 < 16: the big job never runs under the cluster's quotas, and does under the profile's own
    expect(byPolicy.value.metrics.unschedulable + byPolicy.value.result.unschedulable.length).toBeGreaterThan(0);
    expect(byProfile.value.metrics).toEqual({ ...byPolicy.value.metrics, policy: "p" });
    expect(own.value.metrics.finished).toBe(2);
    // entitlements follow the quotas in force
    expect(byPolicy.value.entitlements).toEqual({ a: 0.75, b: 0.25 });
    expect(own.value.entitlements).toEqual({ a: 0.5, b: 0.5 });
    expect(byPolicy.value.metrics.byQueue["a"]?.entitlement).toBe(0.75);
  });

  it("is deterministic, measures wall time only through the given clock, and reports a bad policy with its path", () => {
    let t = 0;
    const a = runScenario({
      cluster: { preset: "philly" },
      nodeScale: 0.05,
      scheduler: { policy: "sjf" },
      trace,
      seed: 3,
      wallMs: () => (t += 250),
    });
    const b = runScenario({ cluster: { preset: "philly" }, nodeScale: 0.05, scheduler: { policy: "sjf" }, trace, seed: 3 });
    if (!a.ok || !b.ok) throw new Error("scenario refused");
    expect(a.value.metrics).toEqual(b.value.metrics);
    expect(a.value.wallS).toBe(0.25);
    expect(b.value.wallS).toBe(0);
    const bad = runScenario({ cluster: { model }, scheduler: { policy: "nope" }, trace, issuePath: "policies[1]" });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]).toEqual(expect.objectContaining({ code: "unknown_policy", path: "policies[1].policy" }));
  });
});
