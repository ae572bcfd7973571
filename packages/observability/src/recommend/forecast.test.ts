import { describe, expect, it } from "vitest";
import { job } from "./fixtures.testing.js";
import { forecastGain, showsGain, withForecasts } from "./forecast.js";
import { policyRule } from "./policy.js";
import { queueImbalanceRule, RECLAIM_PROFILE } from "./queue-imbalance.js";
import type { Recommendation } from "./types.js";

const summary = (pending: number, meanDelayS: number, neverStart = 0) => ({ pending, meanDelayS, neverStart });
const rec = (id: string, change?: Recommendation["change"]): Recommendation => ({
  id,
  kind: "queue-imbalance",
  severity: "info",
  title: id,
  evidence: { source: "test" },
  expectedGain: { value: 1, unit: "gpus", basis: "test" },
  action: { description: "do it" },
  ...(change !== undefined ? { change } : {}),
});

describe("recommendations checked by the what-if", () => {
  it("keeps a change that shortens the waits or lets a job start, with its forecast, and drops one that does not", () => {
    const recs = [rec("faster", { policy: "sjf" }), rec("same", { policy: "fifo" }), rec("starts", { policy: "drf" }), rec("plain")];
    const out = withForecasts(
      recs,
      new Map([
        ["faster", { before: summary(4, 600), after: summary(4, 300) }],
        ["same", { before: summary(4, 600), after: summary(4, 600) }],
        ["starts", { before: summary(4, 600, 1), after: summary(4, 900, 0) }],
        ["plain", { before: summary(4, 600), after: summary(4, 0) }],
      ]),
    );
    expect(out.map((r) => r.id)).toEqual(["faster", "starts", "plain"]);
    expect(out[0]!.forecast).toEqual(expect.objectContaining({ gainS: 300, gainPct: 50, meanDelayBeforeS: 600, meanDelayAfterS: 300 }));
    // a recommendation without a change is not forecast
    expect(out[2]!.forecast).toBeUndefined();
  });

  it("keeps a change it could not forecast, or forecast on an empty queue", () => {
    const out = withForecasts(
      [rec("unverified", { policy: "sjf" }), rec("idle", { policy: "sjf" })],
      new Map([["idle", { before: summary(0, 0), after: summary(0, 0) }]]),
    );
    expect(out.map((r) => [r.id, r.forecast?.pending])).toEqual([
      ["unverified", undefined],
      ["idle", 0],
    ]);
  });

  it("a longer wait or more jobs left waiting is no gain", () => {
    expect(showsGain(forecastGain(summary(2, 100), summary(2, 200)))).toBe(false);
    expect(showsGain(forecastGain(summary(2, 100, 0), summary(2, 10, 1)))).toBe(false);
    expect(showsGain(forecastGain(summary(2, 100), summary(2, 99.5)))).toBe(false);
  });

  it("rules state their change in what-if terms", () => {
    const queues = [
      { name: "a", quotaGpus: 8 },
      { name: "b", quotaGpus: 8, cohort: "x", borrowingLimitGpus: 2 },
    ];
    const lend = queueImbalanceRule(queues, [job("a1", { queue: "a", gpus: 8 }), job("a2", { queue: "a", gpus: 4, state: "pending" })]);
    expect(lend[0]!.change).toEqual({
      quotas: [
        { queue: "b", nominalGpus: 8, cohort: "x", borrowingLimitGpus: 2 },
        { queue: "a", nominalGpus: 8, cohort: "x" },
      ],
    });
    const reclaim = queueImbalanceRule(queues, [job("b1", { queue: "b", gpus: 14 }), job("a1", { queue: "a", gpus: 4, state: "pending" })]);
    expect(reclaim.find((r) => r.id === "queue-imbalance/reclaim/a")?.change).toEqual({ profile: RECLAIM_PROFILE });
    const policy = policyRule({
      current: "fifo",
      windowS: 86_400,
      replays: [
        { policy: "fifo", jobs: 10, avgQueueS: 900 },
        { policy: "sjf", jobs: 10, avgQueueS: 100 },
      ],
    });
    expect(policy[0]!.change).toEqual({ policy: "sjf" });
  });
});
