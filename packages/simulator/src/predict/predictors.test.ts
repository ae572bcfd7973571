import { describe, expect, it } from "vitest";
import type { PredictedJob, RuntimePredictor } from "@aidc/core";
import { seededRng } from "../engine/rng.js";
import {
  chainPredictor,
  defaultPredictor,
  historyPredictor,
  plannerPredictor,
  queueDistributionPredictor,
  userBoundPredictor,
} from "./predictors.js";

const job = (o: Partial<PredictedJob> = {}): PredictedJob => ({ queue: "q", gpus: 1, ...o });

/** Log-normal noise around 1 (seeded). */
function noise(seed: number): () => number {
  const rng = seededRng(seed);
  return () => {
    const u = 1 - rng.next();
    const v = rng.next();
    return Math.exp(0.8 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
}

/** Share of `n` fresh jobs whose actual run time falls in the predicted [p10, p90]. */
function coverage(p: RuntimePredictor, make: (i: number) => PredictedJob, actual: (j: PredictedJob) => number, n: number): number {
  let hit = 0;
  for (let i = 0; i < n; i++) {
    const j = make(i);
    const r = p.predict(j);
    const a = actual(j);
    if (r && a >= r.p10S && a <= r.p90S) hit++;
    p.observe?.(j, a);
  }
  return hit / n;
}

describe("runtime predictors", () => {
  it("userBound answers only with a limit, never above it, and learns the actual/limit ratio", () => {
    const p = userBoundPredictor();
    expect(p.predict(job())).toBeUndefined();
    expect(p.predict(job({ maxRuntimeS: 1000 }))).toMatchObject({ p10S: 100, p50S: 500, p90S: 1000 });
    for (let i = 0; i < 100; i++) p.observe?.(job({ maxRuntimeS: 1000 }), 200);
    expect(p.predict(job({ maxRuntimeS: 3600 }))).toMatchObject({ p10S: 720, p50S: 720, p90S: 720 });
  });

  it("history: mean of the last two runs of the same user and name, else user and queue, else queue and GPUs", () => {
    const p = historyPredictor();
    expect(p.predict(job({ user: "ann", name: "train" }))).toBeUndefined();
    p.observe?.(job({ user: "ann", name: "train" }), 100);
    p.observe?.(job({ user: "ann", name: "train" }), 300);
    p.observe?.(job({ user: "ann", name: "train" }), 500);
    expect(p.predict(job({ user: "ann", name: "train" }))?.p50S).toBe(400);
    expect(p.predict(job({ user: "ann", name: "other" }))?.basis).toBe("history (user+queue)");
    expect(p.predict(job({ user: "bob", name: "train" }))).toBeUndefined();
    p.observe?.(job({ gpus: 4 }), 50);
    expect(p.predict(job({ gpus: 4 }))).toMatchObject({ p50S: 50, basis: "history (queue+gpus)" });
  });

  it("planner answers only when the caller gives plannerS", () => {
    const p = plannerPredictor();
    expect(p.predict(job())).toBeUndefined();
    expect(p.predict(job({ plannerS: 600 }))?.p50S).toBe(600);
  });

  it("the band learnt from error ratios covers about 80 % of fresh jobs", () => {
    const eps = noise(11);
    const make = (i: number): PredictedJob => job({ plannerS: 1000 + (i % 7) * 500, name: `j${i}` });
    const actual = (j: PredictedJob): number => (j.plannerS ?? 0) * 1.3 * eps();
    const p = plannerPredictor();
    coverage(p, make, actual, 500); // learn
    const c = coverage(p, make, actual, 2000);
    expect(c).toBeGreaterThan(0.75);
    expect(c).toBeLessThan(0.85);
  });

  it("queueDistribution: the queue's quantiles, conditioned on the elapsed time of a running job", () => {
    const p = queueDistributionPredictor();
    expect(p.predict(job())).toBeUndefined();
    for (let i = 1; i <= 100; i++) p.observe?.(job(), i * 10);
    const r = p.predict(job());
    expect(r?.p50S).toBeCloseTo(505, 0);
    const late = p.predict(job({ elapsedS: 800 }));
    expect(late?.p10S).toBeGreaterThanOrEqual(800);
    expect(late?.p50S).toBeCloseTo(905, 0);
    // beyond every sample: a heavy tail from the elapsed time
    expect(p.predict(job({ elapsedS: 5000 }))).toMatchObject({ p50S: 10_000 });
    // another queue falls back to all queues
    expect(p.predict(job({ queue: "other" }))?.basis).toBe("run times of all queues");
  });

  it("a chain answers with its first predictor that knows the job; observe feeds every member", () => {
    const c = chainPredictor([userBoundPredictor(), queueDistributionPredictor()]);
    expect(c.name).toBe("userBound>queueDistribution");
    for (let i = 0; i < 30; i++) c.observe?.(job(), 100);
    expect(c.predict(job({ maxRuntimeS: 1000 }))?.basis).toBe("user time limit");
    expect(c.predict(job())?.basis).toBe("run times of queue q");
    expect(defaultPredictor().predict(job({ plannerS: 60 }))?.basis).toBe("planner estimate");
  });
});

describe("the user's estimate in the default chain", () => {
  it("comes before the time limit, and its band learns from actual / estimate", () => {
    const p = defaultPredictor();
    const job = { queue: "q", gpus: 8, maxRuntimeS: 3600, runtimeEstimateS: 600 };
    expect(p.predict(job)).toMatchObject({ p50S: 600, basis: "user's estimate" });
    // users who estimate twice their real run time: the p50 moves to half the estimate
    for (let i = 0; i < 50; i++) p.observe?.({ ...job, user: `u${i}`, name: `n${i}` }, 300);
    const after = p.predict({ ...job, user: "new", name: "new" });
    expect(after?.basis).toBe("user's estimate");
    expect(after?.p50S).toBeCloseTo(300, 0);
  });
});
