import { describe, expect, it } from "vitest";
import type { Rng } from "@aidc/core";
import { FragModel, PLACEMENT_NAMES, chooseGpus, fits, scoreNode, typicalPods, type NodeView, type PackPod } from "./index.js";

const pod = (cpuMilli: number, gpus: number, gpuMilli: number, models: string[] = [], memoryMiB = 0): PackPod => ({
  cpuMilli,
  memoryMiB,
  gpus,
  gpuMilli,
  models,
});
const node = (gpuLeft: number[], cpuLeftMilli = 64_000, model = "G2", affinityMask = 0, memoryLeftMiB = 1 << 20): NodeView => ({
  model,
  cpuLeftMilli,
  memoryLeftMiB,
  gpuLeft,
  affinityMask,
});
const firstRng: Rng = { next: () => 0, int: () => 0 };

describe("fits", () => {
  it("checks CPU, memory, GPU model and per-GPU capacity", () => {
    expect(fits(node([1000, 1000]), pod(4000, 2, 1000))).toBe(true);
    expect(fits(node([1000, 500]), pod(4000, 2, 1000))).toBe(false);
    expect(fits(node([300, 600]), pod(4000, 1, 500))).toBe(true);
    expect(fits(node([1000], 2000), pod(4000, 1, 1000))).toBe(false);
    expect(fits(node([1000], 64_000, "T4"), pod(1000, 1, 1000, ["V100M16", "G2"]))).toBe(false);
    expect(fits(node([1000], 64_000, "T4", 0, 100), pod(1000, 0, 0, [], 200))).toBe(false);
  });
});

describe("FGD fragmentation measure", () => {
  // two typical pods, equally popular: a half-GPU pod needing 4 cores and a whole-GPU pod needing 8 cores
  const frag = new FragModel([
    { cpuMilli: 4000, gpus: 1, gpuMilli: 500, models: [], share: 0.5 },
    { cpuMilli: 8000, gpus: 1, gpuMilli: 1000, models: [], share: 0.5 },
  ]);
  it("counts GPUs too small for a typical pod, and all idle GPU when the pod cannot fit", () => {
    // idle: 300 + 1000 = 1300. Half-GPU pod fits (the 1000 GPU): fragment = 300. Whole-GPU pod fits: fragment = 300.
    expect(frag.nodeFrag("G2", 64_000, [300, 1000])).toBeCloseTo(300);
    // only 6 cores left: the whole-GPU pod lacks CPU, so all 1300 count for its half
    expect(frag.nodeFrag("G2", 6000, [300, 1000])).toBeCloseTo(0.5 * 300 + 0.5 * 1300);
    expect(frag.nodeFrag("G2", 64_000, [0, 0])).toBe(0);
  });
  it("counts every idle GPU for CPU-only typical pods and for GPU models a pod cannot use", () => {
    const f = new FragModel([
      { cpuMilli: 1000, gpus: 0, gpuMilli: 0, models: [], share: 0.5 },
      { cpuMilli: 1000, gpus: 1, gpuMilli: 1000, models: ["A100"], share: 0.5 },
    ]);
    expect(f.nodeFrag("G2", 64_000, [1000, 1000])).toBeCloseTo(2000);
    expect(f.nodeFrag("A100", 64_000, [1000, 1000])).toBeCloseTo(1000);
  });
  it("derives typical pods from the popularity of pod shapes, covering the requested share", () => {
    const pods = [...Array(6).fill(pod(1000, 1, 500)), ...Array(3).fill(pod(2000, 1, 1000)), pod(3000, 8, 1000)];
    const t = typicalPods(pods, 80);
    expect(t.map((x) => [x.gpuMilli, x.gpus])).toEqual([
      [500, 1],
      [1000, 1],
    ]);
    expect(t[0]?.share).toBeCloseTo(6 / 9);
    expect(typicalPods(pods, 100)).toHaveLength(3);
  });
});

describe("placement scores", () => {
  const frag = new FragModel(typicalPods([pod(4000, 1, 500), pod(8000, 1, 1000), pod(8000, 2, 1000)]));
  const ctx = { frag, fragMemory: frag };

  it("packing prefers a shared GPU, then a used node, then the smallest idle node", () => {
    const share = pod(1000, 1, 300);
    const used = node([400, 1000, 1000, 1000]);
    const idle8 = node(Array(8).fill(1000));
    const idle2 = node([1000, 1000]);
    expect(scoreNode("packing", used, share)).toBeGreaterThan(scoreNode("packing", idle2, share));
    const whole = pod(1000, 1, 1000);
    expect(scoreNode("packing", used, whole)).toBeGreaterThan(scoreNode("packing", idle2, whole));
    expect(scoreNode("packing", idle2, whole)).toBeGreaterThan(scoreNode("packing", idle8, whole));
  });

  it("best fit prefers the node left with the least free CPU and GPU", () => {
    const p = pod(4000, 1, 1000);
    expect(scoreNode("bestfit", node([1000, 0], 8000), p)).toBeGreaterThan(scoreNode("bestfit", node([1000, 1000], 64_000), p));
  });

  it("GPU clustering prefers nodes that already run pods of the same GPU class", () => {
    const p = pod(1000, 2, 1000);
    const same = node([0, 0, 1000, 1000], 64_000, "G2", 1 << 2);
    const mixed = node([0, 0, 1000, 1000], 64_000, "G2", (1 << 2) | 1);
    const other = node([0, 0, 1000, 1000], 64_000, "G2", 1 << 1);
    expect(scoreNode("clustering", same, p)).toBeGreaterThan(scoreNode("clustering", mixed, p));
    expect(scoreNode("clustering", mixed, p)).toBeGreaterThan(scoreNode("clustering", other, p));
  });

  it("FGD and ours prefer the placement that adds less fragmentation", () => {
    // a 500-milli pod: putting it on the GPU with 500 left closes it; on a full GPU it leaves a 500 sliver
    const p = pod(1000, 1, 500);
    const n = node([500, 1000]);
    expect(chooseGpus("fgd", n, p, firstRng, ctx)).toEqual([0]);
    expect(chooseGpus("fragmentation-aware", n, p, firstRng, ctx)).toEqual([0]);
    const tidy = node([500, 0]);
    const fresh = node([1000, 1000]);
    for (const policy of ["fgd", "fragmentation-aware"] as const) {
      expect(scoreNode(policy, tidy, p, ctx)).toBeGreaterThan(scoreNode(policy, fresh, p, ctx));
    }
  });

  it("every policy gives whole-GPU pods fully idle devices and shared pods one device that fits", () => {
    const n = node([700, 1000, 200, 1000]);
    for (const policy of PLACEMENT_NAMES) {
      expect(chooseGpus(policy, n, pod(1000, 2, 1000), firstRng, ctx)).toEqual([1, 3]);
      const [g] = chooseGpus(policy, n, pod(1000, 1, 600), firstRng, ctx);
      expect(n.gpuLeft[g as number]).toBeGreaterThanOrEqual(600);
      expect(chooseGpus(policy, n, pod(1000, 0, 0), firstRng, ctx)).toEqual([]);
    }
  });

  it("needs a fragmentation model for fgd", () => {
    expect(() => scoreNode("fgd", node([1000]), pod(1000, 1, 1000))).toThrow(/FragModel/);
  });
});
