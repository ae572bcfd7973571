import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { FragModel, PLACEMENT_NAMES, typicalPods, type PackPod } from "@aidc/scheduler";
import { readOpenbNodes, readOpenbPods } from "../traces/openb.js";
import { PackCluster, type PackNodeSpec } from "./cluster.js";
import { seededRng } from "./rng.js";
import { runPackSeed, type PackPodRecord } from "./run.js";
import { runPack } from "./summary.js";
import { describeWithShared, fixture, sharedPath } from "../../../../test/support/data.js";

/** The node list and a pod list of an openb folder (the committed one in examples/data/openb or the full csv/). */
function readSet(dir: string, podList: string): { nodes: PackNodeSpec[]; pods: PackPodRecord[] } {
  const nodes = readOpenbNodes(readFileSync(join(dir, "openb_node_list_gpu_node.csv"), "utf8").split("\n")).records;
  const pods = readOpenbPods(
    gunzipSync(readFileSync(join(dir, podList)))
      .toString("utf8")
      .split("\n"),
  ).records;
  return { nodes, pods };
}

/** A reduced real excerpt: every 10th GPU node (121 nodes) and every 8th pod of the default pod list (~1,000 pods). */
function excerpt(): { nodes: PackNodeSpec[]; pods: PackPodRecord[] } {
  const { nodes, pods } = readSet(fixture("openb"), "openb_pod_list_default.csv.gz");
  return { nodes: nodes.filter((_, i) => i % 10 === 0), pods: pods.filter((_, i) => i % 8 === 0) };
}

function checkCapacity(cluster: PackCluster, nodes: readonly PackNodeSpec[]): void {
  nodes.forEach((spec, i) => {
    expect(cluster.nodeCpuLeft(i)).toBeGreaterThanOrEqual(0);
    expect(cluster.nodeCpuLeft(i)).toBeLessThanOrEqual(spec.cpuMilli);
    expect(cluster.nodeMemoryLeft(i)).toBeGreaterThanOrEqual(0);
    for (const g of cluster.nodeGpuLeft(i)) {
      expect(g).toBeGreaterThanOrEqual(0);
      expect(g).toBeLessThanOrEqual(1000);
    }
  });
}

describe("FGD packing experiment on a real openb excerpt (examples/data/openb)", () => {
  const { nodes, pods } = excerpt();

  it.each(PLACEMENT_NAMES)("%s: never exceeds a node's capacity and accounts every allocated milli-GPU", (policy) => {
    const rng = seededRng(7);
    const cluster = new PackCluster(nodes, policy, new FragModel(typicalPods(pods)), rng);
    let placedMilli = 0;
    for (const p of [...pods, ...pods]) if (cluster.place(p) >= 0) placedMilli += p.gpus * p.gpuMilli;
    checkCapacity(cluster, nodes);
    expect(cluster.usedGpuMilli).toBe(placedMilli);
    const idle = nodes.reduce((s, _, i) => s + cluster.nodeGpuLeft(i).reduce((a, b) => a + b, 0), 0);
    expect(idle + cluster.usedGpuMilli).toBe(cluster.totalGpus * 1000);
  });

  it("is deterministic for a seed and differs across seeds", () => {
    const a = runPackSeed(nodes, pods, "fgd", 1.3, 42);
    const b = runPackSeed(nodes, pods, "fgd", 1.3, 42);
    const c = runPackSeed(nodes, pods, "fgd", 1.3, 43);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.allocPct)).not.toBe(JSON.stringify(c.allocPct));
  });

  it("re-samples to the inflation target and reports a monotone allocation curve", () => {
    const r = runPackSeed(nodes, pods, "bestfit", 1.3, 42);
    const totalGpus = nodes.reduce((s, n) => s + n.gpus, 0);
    expect(r.pods).toBeGreaterThan(pods.length);
    const alloc = r.allocPct.filter((v): v is number => v !== null);
    expect(alloc.length).toBeGreaterThan(120);
    for (let i = 1; i < alloc.length; i++) expect(alloc[i] as number).toBeGreaterThanOrEqual((alloc[i - 1] as number) - 1e-9);
    // below saturation every arrived GPU is allocated: alloc ≈ arrived
    expect(r.allocPct[40]).toBeGreaterThan(38);
    expect(r.allocPct[130] as number).toBeLessThanOrEqual(100);
    const s = runPack(nodes, pods, { policy: "bestfit", inflate: 1.3, seeds: [42] });
    expect(s.totalGpus).toBe(totalGpus);
    expect(s.unallocatedGpusAt130).toBeCloseTo((totalGpus * (100 - (s.allocPct["130"] as number))) / 100, 0);
    expect(Object.keys(s.allocPct)).toContain("130");
  });

  it("fragmentation-aware packs at least as well as random on the excerpt", () => {
    const ours = runPack(nodes, pods, { policy: "fragmentation-aware", inflate: 1.3, seeds: [1, 2] });
    const random = runPack(nodes, pods, { policy: "random", inflate: 1.3, seeds: [1, 2] });
    expect(ours.allocPct["130"] as number).toBeGreaterThan(random.allocPct["130"] as number);
  });
});

// The paper's setting on the full cluster (1,213 GPU nodes): FGD allocates more than random at 130 % arrived GPU
// request, on a pod list the committed fixture does not hold.
describeWithShared("traces/alibaba-gpu-2023/csv", "FGD packing on the full openb cluster", () => {
  it("fragmentation-aware allocates more GPUs than random on the full cluster (gpushare40 pod list)", () => {
    const { nodes, pods } = readSet(sharedPath("traces/alibaba-gpu-2023/csv"), "openb_pod_list_gpushare40.csv.gz");
    expect(nodes.reduce((s, n) => s + n.gpus, 0)).toBe(6212);
    const ours = runPack(nodes, pods, { policy: "fragmentation-aware", inflate: 1.3, seeds: [42] });
    const random = runPack(nodes, pods, { policy: "random", inflate: 1.3, seeds: [42] });
    expect(ours.allocPct["130"] as number).toBeGreaterThan(random.allocPct["130"] as number);
  });
});

describe("PackCluster on generated clusters (property)", () => {
  const podArb = fc
    .record({
      cpuMilli: fc.integer({ min: 0, max: 16_000 }),
      memoryMiB: fc.integer({ min: 0, max: 64_000 }),
      gpus: fc.constantFrom(0, 1, 1, 2, 4, 8),
      gpuMilli: fc.constantFrom(100, 250, 500, 810, 1000),
      models: fc.constantFrom<string[]>([], ["T4"], ["G2", "T4"]),
    })
    .map((p): PackPod => (p.gpus === 0 ? { ...p, gpuMilli: 0 } : p.gpus > 1 ? { ...p, gpuMilli: 1000 } : p));
  const nodeArb = fc.record({
    name: fc.string(),
    cpuMilli: fc.integer({ min: 4000, max: 96_000 }),
    memoryMiB: fc.integer({ min: 16_000, max: 400_000 }),
    gpus: fc.constantFrom(1, 2, 4, 8),
    model: fc.constantFrom("T4", "G2", "V100M16"),
  });

  it("never over-allocates and is deterministic, for every policy", () => {
    fc.assert(
      fc.property(
        fc.array(nodeArb, { minLength: 1, maxLength: 12 }),
        fc.array(podArb, { maxLength: 60 }),
        fc.constantFrom(...PLACEMENT_NAMES),
        (nodes, pods, policy) => {
          const frag = new FragModel(
            typicalPods(pods.length > 0 ? pods : [{ cpuMilli: 0, memoryMiB: 0, gpus: 0, gpuMilli: 0, models: [] }]),
          );
          const run = (): number[] => {
            const c = new PackCluster(nodes, policy, frag, seededRng(3));
            const where = pods.map((p) => c.place(p));
            checkCapacity(c, nodes);
            return where;
          };
          expect(run()).toEqual(run());
        },
      ),
      { numRuns: 60 },
    );
  });
});
