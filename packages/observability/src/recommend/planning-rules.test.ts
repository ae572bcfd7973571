import { describe, expect, it } from "vitest";
import { HOUR_MS, NOW, job, series } from "./fixtures.testing.js";
import { gpuTypeRule, type PlacementCandidate, type RunEstimate } from "./gpu-type.js";
import { policyRule } from "./policy.js";
import { recommend } from "./recommend.js";
import { storageRule, tierMoves, type ArtifactView } from "./storage.js";

const est = (gpuType: string, gpus: number, durationS: number, inCluster = true): RunEstimate => ({
  gpuType,
  gpus,
  durationS,
  basis: "test",
  inCluster,
});
const cand = (current: RunEstimate, alternatives: RunEstimate[]): PlacementCandidate => ({
  jobId: "j",
  jobName: "j",
  current,
  alternatives,
  usdPerGpuHour: 2,
});

describe("GPU type / parallelism", () => {
  it("suggests a clearly faster type in the cluster, with the GPU-hours saved priced", () => {
    const r = gpuTypeRule([cand(est("v100", 8, 36_000), [est("h100", 8, 12_000), est("a100", 8, 30_000)])]);
    expect(r).toHaveLength(1);
    expect((r[0]!.evidence["suggested"] as RunEstimate).gpuType).toBe("h100");
    // 80 GPU-h -> 26.7 GPU-h, x $2
    expect(r[0]!.expectedGain.unit).toBe("costUsdPerRun");
    expect(r[0]!.expectedGain.value).toBeCloseTo((80 - 8 * (12_000 / 3600)) * 2, 1);
    expect(r[0]!.severity).toBe("warning");
  });

  it("prefers an alternative the cluster has over a better one it lacks, and marks the latter info", () => {
    const r = gpuTypeRule([cand(est("v100", 8, 36_000), [est("b200", 8, 5_000, false), est("a100", 8, 20_000)])]);
    expect((r[0]!.evidence["suggested"] as RunEstimate).gpuType).toBe("a100");
    const only = gpuTypeRule([cand(est("v100", 8, 36_000), [est("b200", 8, 5_000, false)])]);
    expect(only[0]!.severity).toBe("info");
  });

  it("suggests fewer GPUs when scaling is poor (cheaper, not much slower)", () => {
    const r = gpuTypeRule([cand(est("a100", 16, 10_000), [est("a100", 8, 12_000)])]);
    expect(r).toHaveLength(1);
    expect(r[0]!.title).toContain("8 GPUs instead of 16");
  });

  it("is quiet when no alternative is meaningfully better", () => {
    expect(gpuTypeRule([cand(est("h100", 8, 10_000), [est("a100", 8, 25_000), est("h100", 8, 10_000), est("h200", 8, 9_000)])])).toEqual(
      [],
    );
    // twice the GPUs for 30% less time: faster but 40% more GPU-hours, not cheaper -> quiet
    expect(gpuTypeRule([cand(est("h100", 8, 10_000), [est("h100", 16, 7_000)])])).toEqual([]);
  });
});

const art = (name: string, version: number, ageDays: number, sizeBytes = 100, tier: ArtifactView["tier"] = "hot"): ArtifactView => ({
  id: `${name}-${version}`,
  project: "p",
  name,
  version,
  sizeBytes,
  tier,
  createdAtMs: NOW - ageDays * 24 * HOUR_MS,
});

describe("storage", () => {
  const versions = [art("ckpt", 1, 40), art("ckpt", 2, 10), art("ckpt", 3, 5), art("ckpt", 4, 1), art("data", 1, 90)];

  it("computes the tier moves like the artifact store's policy", () => {
    const m = tierMoves(versions, { hotVersions: 2, coldAfterDays: 30 }, NOW);
    expect(m.map((x) => `${x.a.id}->${x.to}`).sort()).toEqual(["ckpt-1->cold", "ckpt-2->warm"]);
    // already colder than the policy would put it: no move
    expect(tierMoves([art("x", 1, 1, 100, "cold"), art("x", 2, 1), art("x", 3, 1)], { hotVersions: 2, coldAfterDays: 30 }, NOW)).toEqual(
      [],
    );
  });

  it("warns near a project quota and near a full filesystem, and proposes tiering", () => {
    const r = storageRule({
      projects: [
        { project: "p", usedBytes: 500, maxBytes: 520 },
        { project: "q", usedBytes: 10, maxBytes: 1000 },
        { project: "r", usedBytes: 10 },
      ],
      artifacts: versions,
      filesystems: [
        { node: "n1", mountpoint: "/data", usedRatio: 0.91, sizeBytes: 1000 },
        { node: "n1", mountpoint: "/", usedRatio: 0.4 },
      ],
      nowMs: NOW,
    });
    expect(r.map((x) => x.id).sort()).toEqual(["storage/fs/n1/data", "storage/quota/p", "storage/tiering"]);
    const quota = r.find((x) => x.id === "storage/quota/p")!;
    expect(quota.severity).toBe("critical");
    expect(quota.expectedGain).toMatchObject({ unit: "bytes", value: 200 });
    expect(r.find((x) => x.id === "storage/tiering")!.expectedGain.value).toBe(200);
    expect(r.find((x) => x.id === "storage/fs/n1/data")!.severity).toBe("warning");
  });

  it("is quiet when projects are far from quota and every version is where the policy wants it", () => {
    expect(
      storageRule({ projects: [{ project: "p", usedBytes: 1, maxBytes: 100 }], artifacts: [art("a", 1, 1), art("a", 2, 1)], nowMs: NOW }),
    ).toEqual([]);
  });
});

describe("scheduling policy", () => {
  const replays = (cur: number, alt: number) => [
    { policy: "fifo", jobs: 50, avgQueueS: cur },
    { policy: "backfill-easy", jobs: 50, avgQueueS: alt },
    { policy: "sjf", jobs: 50, avgQueueS: cur * 1.1 },
  ];
  it("recommends the best policy when it cuts the average queueing delay enough", () => {
    const r = policyRule({ current: "fifo", replays: replays(1000, 400), windowS: 7 * 86400 });
    expect(r).toHaveLength(1);
    expect(r[0]!.id).toBe("scheduling-policy/backfill-easy");
    expect(r[0]!.expectedGain).toMatchObject({ unit: "queueDelayReductionPct", value: 60 });
  });
  it("is quiet on small cuts, small absolute cuts, too few jobs, or an unknown current policy", () => {
    expect(policyRule({ current: "fifo", replays: replays(1000, 900), windowS: 1 })).toEqual([]);
    expect(policyRule({ current: "fifo", replays: replays(20, 1), windowS: 1 })).toEqual([]);
    expect(policyRule({ current: "fifo", replays: replays(1000, 400).map((x) => ({ ...x, jobs: 2 })), windowS: 1 })).toEqual([]);
    expect(policyRule({ current: "drf", replays: replays(1000, 400), windowS: 1 })).toEqual([]);
  });
});

describe("recommend()", () => {
  it("runs every rule on one snapshot and orders the most severe first", () => {
    const r = recommend({
      nowMs: NOW,
      nodes: [{ name: "n1", gpus: 8 }],
      freeGpus: { n1: 4 },
      jobs: [job("idle", { gpus: 4, placement: [{ node: "n1", gpus: 4 }] })],
      queues: [],
      utilization: [{ jobId: "idle", points: series([0], 1800) }],
      projects: [{ project: "p", usedBytes: 99, maxBytes: 100 }],
      artifacts: [],
      placements: [],
      policy: { current: "fifo", replays: [{ policy: "fifo", jobs: 10, avgQueueS: 100 }], windowS: 1 },
    });
    expect(r.map((x) => x.kind)).toEqual(["storage", "idle-gpus"]);
    expect(r[0]!.severity).toBe("critical");
  });
});
