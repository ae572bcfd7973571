import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../catalog/default.js";
import { checkCluster, type ClusterModel } from "../cluster/expand.js";
import { Cluster } from "../schemas/cluster.js";
import { JobSpec, type JobSpecInput } from "../schemas/job.js";
import { checkJobOnCluster } from "./check.js";
import { checkJobFits, jobScope, NODE_CONFIGURATION_UNAVAILABLE } from "./fit.js";

const catalog = defaultCatalog();

/** Two 8-GPU nodes in partition train, one CPU node in partition cpu; queue research → train. */
function model(): ClusterModel {
  const c = Cluster.parse({
    apiVersion: "aidc/v1",
    kind: "Cluster",
    name: "c",
    racks: [
      { name: "r1", nodes: [{ name: "gpu", count: 2, accelerator: "h100", gpus: 8, cpus: 64, memoryGiB: 512, labels: { zone: "a" } }] },
      { name: "r2", nodes: [{ name: "cpu", count: 1, cpus: 32, memoryGiB: 128, labels: { role: "cpu" } }] },
    ],
    partitions: [
      { name: "train", racks: ["r1"], default: true },
      { name: "cpu", nodeLabels: { role: "cpu" } },
    ],
    queues: [
      { name: "research", partition: "train" },
      { name: "batch", partition: "cpu" },
    ],
  });
  const r = checkCluster(c, catalog);
  if (r.model === undefined) throw new Error(JSON.stringify(r.issues));
  return r.model;
}

function job(over: Partial<JobSpecInput> & { gpus?: number; replicas?: number; cpus?: number; memoryGiB?: number }): JobSpec {
  const { gpus = 1, replicas = 1, cpus = 1, memoryGiB = 1, ...rest } = over;
  return JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: "j",
    queue: "research",
    tasks: [{ replicas, resources: { gpus, cpus, memoryGiB } }],
    run: { command: "true" },
    ...rest,
  });
}

describe("checkJobFits: jobs no node set of their scope can ever hold are refused", () => {
  const m = model();
  const fits = (j: JobSpec): string[] => checkJobFits(j, m, catalog).map((i) => `${i.path}: ${i.message}`);

  it("accepts what fits: a full node, both nodes, a gang of 2 × 8", () => {
    expect(fits(job({ gpus: 8 }))).toEqual([]);
    expect(fits(job({ gpus: 8, replicas: 2 }))).toEqual([]);
    expect(fits(job({ gpus: 4, replicas: 4, cpus: 16, memoryGiB: 100 }))).toEqual([]);
    expect(fits(job({ gpus: 0, queue: "batch", cpus: 32 }))).toEqual([]);
  });

  it("refuses one 16-GPU replica on 8-GPU nodes and says why (like Slurm)", () => {
    const out = fits(job({ gpus: 16 }));
    expect(out).toHaveLength(1);
    expect(out[0]).toContain("tasks[0].resources: one replica asks for 16 GPUs");
    expect(out[0]).toContain("the largest nodes of partition train have 8 GPUs");
    expect(out[0]).toContain(NODE_CONFIGURATION_UNAVAILABLE);
  });

  it("refuses more GPUs than the partition has, and CPUs or memory over the largest node", () => {
    expect(fits(job({ gpus: 8, replicas: 3 }))[0]).toContain("tasks[0].replicas: 3 replicas of 8 GPUs");
    expect(fits(job({ gpus: 1, cpus: 65 }))[0]).toContain("asks for 1 GPU, 65 CPUs, 1 GiB on one node");
    expect(fits(job({ gpus: 1, memoryGiB: 600 }))[0]).toContain("600 GiB");
    // the CPU partition has no GPUs at all
    expect(fits(job({ gpus: 1, queue: "batch" }))[0]).toContain("partition cpu");
  });

  it("refuses a node selector or GPU type no node of the partition has", () => {
    expect(fits(job({ nodeSelector: { zone: "b" } }))).toEqual([
      expect.stringContaining("nodeSelector: no node of partition train labelled zone=b"),
    ]);
    expect(fits(job({ nodeSelector: { zone: "a" } }))).toEqual([]);
  });

  it("checks a gang's tasks together: 12 + 8 GPUs in one gang do not fit 16", () => {
    const two = JobSpec.parse({
      apiVersion: "aidc/v1",
      kind: "Job",
      name: "g",
      queue: "research",
      tasks: [
        { name: "a", replicas: 3, resources: { gpus: 4 } },
        { name: "b", replicas: 1, resources: { gpus: 8 } },
      ],
      run: { command: "true" },
    });
    expect(fits(two)).toEqual([expect.stringContaining("the job asks for 20 GPUs at once (gang); partition train has 16")]);
    expect(fits({ ...two, gang: false })).toEqual([]);
  });

  it("is part of checkJobOnCluster (the submission check)", () => {
    expect(checkJobOnCluster(job({ gpus: 16 }), m, catalog).map((i) => i.code)).toEqual(["never_fits"]);
  });
});

describe("jobScope: scopes are kept per cluster model and grouped by node size", () => {
  it("answers the same for a repeated ask and never carries one model's answer to another", () => {
    const a = model();
    const big = job({ gpus: 8, replicas: 2 });
    expect(checkJobFits(big, a, catalog)).toEqual([]);
    expect(checkJobFits(big, a, catalog)).toEqual([]); // the kept scope
    // a smaller cluster (one GPU node) is a new model: the same job no longer fits there
    const c = Cluster.parse({
      apiVersion: "aidc/v1",
      kind: "Cluster",
      name: "small",
      racks: [{ name: "r1", nodes: [{ name: "gpu", count: 1, accelerator: "h100", gpus: 8, cpus: 64, memoryGiB: 512 }] }],
      partitions: [{ name: "train", racks: ["r1"], default: true }],
      queues: [{ name: "research", partition: "train" }],
    });
    const small = checkCluster(c, catalog).model as ClusterModel;
    expect(checkJobFits(big, small, catalog).map((i) => i.path)).toEqual(["tasks[0].replicas"]);
    expect(jobScope(big, a, catalog).nodes.map((n) => n.name)).toHaveLength(2);
  });

  it("counts slots over sizes exactly as over nodes (mixed sizes in one partition)", () => {
    const c = Cluster.parse({
      apiVersion: "aidc/v1",
      kind: "Cluster",
      name: "mixed",
      racks: [
        {
          name: "r1",
          nodes: [
            { name: "a", count: 3, accelerator: "h100", gpus: 8, cpus: 64, memoryGiB: 512 },
            { name: "b", count: 2, accelerator: "h100", gpus: 4, cpus: 16, memoryGiB: 256 },
          ],
        },
      ],
      partitions: [{ name: "train", racks: ["r1"], default: true }],
      queues: [{ name: "research", partition: "train" }],
    });
    const m = checkCluster(c, catalog).model as ClusterModel;
    const scope = jobScope(job({}), m, catalog);
    expect(scope.shapes.map((s) => s.count).sort()).toEqual([2, 3]);
    // 4-GPU replicas: 3 × 2 + 2 × 1 = 8 fit at once, 9 do not
    expect(checkJobFits(job({ gpus: 4, replicas: 8 }), m, catalog)).toEqual([]);
    expect(checkJobFits(job({ gpus: 4, replicas: 9 }), m, catalog)[0]?.message).toContain("hold at most 8 at once");
    // the gang total is over sizes × counts: 32 GPUs
    expect(checkJobFits(job({ gpus: 1, replicas: 33 }), m, catalog)[0]?.message).toContain("hold at most");
  });
});
