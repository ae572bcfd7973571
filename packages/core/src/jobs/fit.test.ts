import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../catalog/default.js";
import { checkCluster, type ClusterModel } from "../cluster/expand.js";
import { Cluster } from "../schemas/cluster.js";
import { JobSpec, type JobSpecInput } from "../schemas/job.js";
import { checkJobOnCluster } from "./check.js";
import { checkJobFits, NODE_CONFIGURATION_UNAVAILABLE } from "./fit.js";

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
