import { describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { parseGres, parsePartitions, parseSlurmNodes, slurmCluster, slurmCordon, type SlurmNode } from "./slurm-cluster.js";

// the shapes Slurm prints: 22.05's `sinfo --json` (state string + state_flags) and 23.02+'s `scontrol show node --json`
const v22 = JSON.stringify({
  nodes: [
    {
      name: "node1",
      cpus: 8,
      real_memory: 16384,
      gres: "gpu:h100:4",
      partitions: ["debug"],
      active_features: "",
      state: "idle",
      state_flags: [],
      reason: "",
      reason_set_by_user: null,
    },
    {
      name: "node2",
      cpus: 8,
      real_memory: 16384,
      gres: "gpu:h100:4",
      partitions: ["debug"],
      active_features: "ib,nvme",
      state: "mixed",
      state_flags: ["DRAIN"],
      reason: "bad fan",
      reason_set_by_user: "root",
    },
  ],
});
const v24 = JSON.stringify({
  nodes: [
    {
      name: "g1",
      cpus: 64,
      real_memory: 512000,
      gres: "gpu:a100:8(S:0-1)",
      partitions: ["gpu"],
      features: ["a"],
      state: ["DOWN", "NOT_RESPONDING"],
      reason: "Not responding",
      reason_set_by_user: "slurm",
    },
    {
      name: "c1",
      cpus: { set: true, infinite: false, number: 32 },
      real_memory: { set: true, number: 128000 },
      gres: "",
      partitions: ["cpu"],
      state: ["ALLOCATED"],
      reason: "",
    },
  ],
});

describe("reading Slurm's node JSON", () => {
  it("reads 22.05's sinfo --json: CPUs, memory, GPUs by gres type, partitions, features, state and flags", () => {
    const [a, b] = parseSlurmNodes(v22);
    expect(a).toMatchObject({
      name: "node1",
      cpus: 8,
      memoryMiB: 16384,
      gpus: [{ type: "h100", count: 4 }],
      partitions: ["debug"],
      state: ["IDLE"],
    });
    expect(b).toMatchObject({ state: ["MIXED", "DRAIN"], reason: "bad fan", reasonBy: "root", features: ["ib", "nvme"] });
  });

  it("reads 23.02+'s scontrol show node --json: state arrays and numbers as { set, number } objects", () => {
    const [g, c] = parseSlurmNodes(v24);
    expect(g).toMatchObject({ name: "g1", cpus: 64, gpus: [{ type: "a100", count: 8 }], state: ["DOWN", "NOT_RESPONDING"] });
    expect(c).toMatchObject({ cpus: 32, memoryMiB: 128000, gpus: [], state: ["ALLOCATED"] });
  });

  it("parses gres strings: typed, untyped, socket suffixes, several types, non-GPU gres ignored", () => {
    expect(parseGres("gpu:h100:4(S:0-1),gpu:a100:2,shard:8")).toEqual([
      { type: "h100", count: 4 },
      { type: "a100", count: 2 },
    ]);
    expect(parseGres("gpu:4")).toEqual([{ type: "", count: 4 }]);
    expect(parseGres("(null)")).toEqual([]);
  });

  it("parses partitions from scontrol's one-line form", () => {
    const text = "PartitionName=debug AllowGroups=ALL Default=YES Nodes=node[1-2] State=UP\nPartitionName=old Default=NO State=DOWN\n";
    expect(parsePartitions(text)).toEqual([
      { name: "debug", default: true, up: true },
      { name: "old", default: false, up: false },
    ]);
  });
});

describe("Slurm's node states as cordons", () => {
  const node = (state: string[], reason = "", reasonBy?: string): SlurmNode => ({
    name: "n",
    cpus: 1,
    memoryMiB: 1024,
    gpus: [],
    partitions: [],
    features: [],
    state,
    reason,
    ...(reasonBy ? { reasonBy } : {}),
  });
  it("cordons drained, down and failing nodes with Slurm's reason and who set it; leaves working ones", () => {
    expect(slurmCordon(node(["IDLE", "DRAIN"], "bad fan", "root"))).toBe("slurm: drain: bad fan (root)");
    expect(slurmCordon(node(["DOWN", "NOT_RESPONDING"]))).toBe("slurm: down+not_responding: no reason given");
    expect(slurmCordon(node(["MIXED"]))).toBeUndefined();
    expect(slurmCordon(node(["ALLOCATED", "COMPLETING"]))).toBeUndefined();
    expect(slurmCordon(node(["IDLE", "POWERED_DOWN"]))).toBeUndefined();
  });
});

describe("the cluster model built from Slurm", () => {
  const catalog = defaultCatalog();
  it("has Slurm's nodes with their GPUs resolved to catalog accelerators, and its partitions as partitions and queues", () => {
    const { model, warnings } = slurmCluster(
      "dev",
      parseSlurmNodes(v22),
      [
        { name: "debug", default: true, up: true },
        { name: "old", default: false, up: false },
      ],
      catalog,
    );
    expect(warnings).toEqual([]);
    expect(model.nodes.map((n) => [n.name, n.gpus, n.accelerator, n.cpus, n.memoryGiB, n.partitions])).toEqual([
      ["node1", 4, "h100-sxm5-80gb", 8, 16, ["debug"]],
      ["node2", 4, "h100-sxm5-80gb", 8, 16, ["debug"]],
    ]);
    expect(model.nodes[1]?.labels).toMatchObject({ "slurm.feature/ib": "yes", "slurm.partition/debug": "yes" });
    expect(model.partitions.map((p) => [p.name, p.default])).toEqual([["debug", true]]);
    expect(model.queues.map((q) => [q.name, q.partition])).toEqual([["debug", "debug"]]);
    expect(model.totals).toMatchObject({ nodes: 2, gpus: 8 });
  });

  it("keeps GPUs of a type the catalog lacks (no accelerator type, a label) and says so; overlapping partitions become labels only", () => {
    const nodes = parseSlurmNodes(
      JSON.stringify({
        nodes: [
          { name: "x1", cpus: 4, real_memory: 8192, gres: "gpu:weird9000:2", partitions: ["a", "b"], state: "idle" },
          { name: "x2", cpus: 4, real_memory: 8192, gres: "gpu:2", partitions: ["b"], state: "idle" },
        ],
      }),
    );
    const parts = [
      { name: "a", default: true, up: true },
      { name: "b", default: false, up: true },
    ];
    const { model, warnings } = slurmCluster("c", nodes, parts, catalog);
    expect(model.nodes.map((n) => [n.gpus, n.accelerator, n.labels["slurm.gres/gpu"]])).toEqual([
      [2, undefined, "weird9000"],
      [2, undefined, "untyped"],
    ]);
    expect(model.partitions).toEqual([]);
    expect(model.nodes[0]?.labels).toMatchObject({ "slurm.partition/a": "yes", "slurm.partition/b": "yes" });
    expect(warnings).toEqual([
      expect.stringMatching(/^Slurm's partitions overlap \(node x1 is in a, b\)/),
      'node x1: GPU type "weird9000" is not in the catalog; its 2 GPUs have no accelerator type',
      "node x2: its 2 GPUs name no type in Slurm's gres; they have no accelerator type",
    ]);
  });
});
