import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../catalog/default.js";
import { Cluster, type Cluster as ClusterT } from "../schemas/cluster.js";
import { checkCluster, nodeNames } from "./expand.js";

const catalog = defaultCatalog();

function cluster(overrides: Partial<Record<keyof ClusterT, unknown>> = {}): ClusterT {
  return Cluster.parse({
    apiVersion: "aidc/v1",
    kind: "Cluster",
    name: "c",
    racks: [
      { name: "r1", pod: "p1", nodes: [{ name: "gpu", count: 2, system: "dgx h100" }] },
      { name: "r2", pod: "p2", nodes: [{ name: "cpu", count: 1, cpus: 32, memoryGiB: 128, labels: { role: "cpu" } }] },
    ],
    partitions: [
      { name: "gpu", racks: ["r1"] },
      { name: "cpu", nodeLabels: { role: "cpu" } },
    ],
    ...overrides,
  });
}

describe("cluster expansion", () => {
  it("numbers the nodes of a group and keeps a single node's name", () => {
    expect(nodeNames("n", 1)).toEqual(["n"]);
    expect(nodeNames("n", 3)).toEqual(["n-01", "n-02", "n-03"]);
    expect(nodeNames("n", 120).at(-1)).toBe("n-120");
  });

  it("takes accelerators, CPUs and memory from the system and assigns partitions", () => {
    const { model, issues } = checkCluster(cluster(), catalog);
    expect(issues).toEqual([]);
    const dgx = catalog.get("dgx h100", "System");
    const gpuNode = model?.nodes[0];
    expect(gpuNode).toMatchObject({
      name: "gpu-01",
      rack: "r1",
      pod: "p1",
      system: dgx.id,
      accelerator: dgx.accelerator,
      gpus: dgx.acceleratorCount,
    });
    expect(gpuNode?.cpus).toBe(dgx.cpu.count * dgx.cpu.coresPerCpu);
    expect(gpuNode?.partitions).toEqual(["gpu"]);
    expect(model?.nodes[2]).toMatchObject({ name: "cpu", gpus: 0, partitions: ["cpu"] });
    expect(model?.totals.gpus).toBe(2 * dgx.acceleratorCount);
    expect(model?.pods).toEqual(["p1", "p2"]);
  });

  it("reports unknown systems, racks, partitions and duplicate names with paths", () => {
    const bad = cluster({
      racks: [
        { name: "r1", nodes: [{ name: "n", system: "dgx h999" }] },
        { name: "r1", nodes: [{ name: "n", cpus: 1, memoryGiB: 1 }] },
      ],
      partitions: [{ name: "p", racks: ["r9"] }],
      queues: [{ name: "q", partition: "nope" }],
    });
    const { model, issues } = checkCluster(bad, catalog);
    expect(model).toBeUndefined();
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(["racks[0].nodes[0].system", "racks[1].name", "partitions[0].racks[0]", "queues[0].partition"]),
    );
    expect(issues.find((i) => i.path === "racks[0].nodes[0].system")?.message).toMatch(/unknown system "dgx h999"; did you mean/);
  });

  it("rejects a node group without a system or explicit resources", () => {
    const r = Cluster.safeParse({
      apiVersion: "aidc/v1",
      kind: "Cluster",
      name: "c",
      racks: [{ name: "r", nodes: [{ name: "n", gpus: 4 }] }],
    });
    expect(r.success).toBe(false);
    const paths = r.error?.issues.map((i) => i.path.join(".")) ?? [];
    expect(paths).toEqual(expect.arrayContaining(["racks.0.nodes.0.accelerator", "racks.0.nodes.0.system"]));
  });
});
