import { describe, expect, it } from "vitest";
import { Cluster, type Queue } from "../schemas/cluster.js";
import { JobSpec, type JobSpecInput } from "../schemas/job.js";
import { DEFAULT_LIMITS, Limits } from "../schemas/limits.js";
import { checkJobLimits, effectiveLimits } from "./limits.js";

function job(overrides: Partial<JobSpecInput> = {}): JobSpec {
  return JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name: "j", tasks: [{}], run: { command: "true" }, ...overrides });
}
const defaults = effectiveLimits(undefined);

describe("job limits", () => {
  it("has defaults for a real cluster, and a cluster file may set any of them", () => {
    expect(DEFAULT_LIMITS).toMatchObject({ maxReplicasPerJob: 4096, maxReplicasPerTask: 4096, maxTasksPerJob: 64, maxDependsOn: 256 });
    const c = Cluster.parse({
      apiVersion: "aidc/v1",
      kind: "Cluster",
      name: "c",
      racks: [{ name: "r", nodes: [{ name: "n", cpus: 4, memoryGiB: 8 }] }],
      limits: { maxReplicasPerJob: 10000 },
    });
    expect(c.limits).toEqual({ ...DEFAULT_LIMITS, maxReplicasPerJob: 10000 });
    expect(Limits.safeParse({ maxReplicasPerJob: 0 }).success).toBe(false);
    expect(Limits.safeParse({ maxReplicas: 5 }).success).toBe(false); // a misspelt limit is an error, not ignored
  });

  it("accepts a job within every limit", () => {
    expect(checkJobLimits(job({ tasks: [{ replicas: 4096 }] }), defaults)).toEqual([]);
  });

  it("names the field, the value, the limit and where the limit is set", () => {
    expect(checkJobLimits(job({ tasks: [{ replicas: 20000 }] }), defaults)).toEqual([
      {
        code: "limit_exceeded",
        path: "tasks[0].replicas",
        message: "20000 exceeds the cluster's limit of 4096 replicas per task (limits.maxReplicasPerTask)",
      },
    ]);
    const tight = effectiveLimits({ ...DEFAULT_LIMITS, maxReplicasPerJob: 100 });
    expect(checkJobLimits(job({ tasks: [{ replicas: 200 }] }), tight)[0]?.message).toBe(
      "200 exceeds the cluster's limit of 100 replicas per job (limits.maxReplicasPerJob)",
    );
  });

  it("limits the replicas of all tasks together, the number of tasks, dependencies and environment", () => {
    const tasks = Array.from({ length: 3 }, (_, i) => ({ name: `t${i}`, replicas: 2000 }));
    expect(checkJobLimits(job({ tasks }), defaults)).toEqual([
      expect.objectContaining({
        path: "tasks",
        message: expect.stringMatching(/^6000 replicas in total exceeds .* 4096 replicas per job/),
      }),
    ]);
    const many = Array.from({ length: 65 }, (_, i) => ({ name: `t${i}` }));
    expect(checkJobLimits(job({ tasks: many }), defaults)[0]?.message).toMatch(
      /^65 tasks exceeds .* 64 tasks per job \(limits.maxTasksPerJob\)/,
    );
    const deps = Array.from({ length: 257 }, (_, i) => `d${i}`);
    expect(checkJobLimits(job({ dependsOn: deps }), defaults)).toEqual([
      expect.objectContaining({ path: "dependsOn", message: expect.stringContaining("(limits.maxDependsOn)") }),
    ]);
    const env = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`V${i}`, "x"]));
    expect(checkJobLimits(job({ run: { command: "true", env } }), defaults)[0]).toMatchObject({ path: "run.env", code: "limit_exceeded" });
    const big = { A: "é".repeat(40_000) };
    expect(checkJobLimits(job({ run: { command: "true", env: big } }), defaults)[0]?.message).toMatch(/^80001 bytes exceeds/);
  });

  it("a queue's own limit overrides the cluster's, up or down", () => {
    const research: Queue = { name: "research", priority: 0, weight: 1, quota: {}, limits: { maxReplicasPerTask: 10, maxDependsOn: 1000 } };
    const l = effectiveLimits(DEFAULT_LIMITS, research);
    expect(l.maxReplicasPerTask).toEqual({ value: 10, source: "queues[research].limits.maxReplicasPerTask" });
    expect(l.maxReplicasPerJob).toEqual({ value: 4096, source: "limits.maxReplicasPerJob" });
    expect(checkJobLimits(job({ tasks: [{ replicas: 11 }] }), l)[0]?.message).toMatch(/limit of 10 replicas per task \(queues\[research\]/);
    expect(checkJobLimits(job({ dependsOn: Array.from({ length: 900 }, (_, i) => `d${i}`) }), l)).toEqual([]);
  });
});
