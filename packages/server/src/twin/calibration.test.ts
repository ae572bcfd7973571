import { describe, expect, it } from "vitest";
import type { RunningJob } from "@aidc/scheduler";
import { LiveBands } from "./calibration.js";
import type { TwinView } from "./types.js";

const view = (pending: string[], running: { id: string; startS: number }[]): TwinView =>
  ({
    pending: pending.map((id) => ({ id })),
    running: running.map((r) => ({ id: r.id, startS: r.startS }) as RunningJob),
    blocked: new Map(),
  }) as unknown as TwinView;

describe("live start bands", () => {
  it("widen once started jobs show the raw bands were too narrow", () => {
    const bands = new LiveBands();
    const raw = { jobId: "probe", startS: 1600, startBandS: [1300, 1900] as const };
    expect(bands.update(view(["probe"], []), [raw], 1000)[0]?.startBandS).toEqual([1300, 1900]);
    // 60 jobs forecast to start in [1300, 1900] from t=1000 that all started at 5000
    for (let i = 0; i < 60; i++) {
      const id = `j${i}`;
      bands.update(view([id], []), [{ jobId: id, startS: 1600, startBandS: [1300, 1900] }], 1000);
      bands.update(view([], [{ id, startS: 5000 }]), [], 5000);
    }
    expect(bands.matured).toBe(60);
    const [lo, hi] = bands.update(view(["next"], []), [{ ...raw, jobId: "next" }], 1000)[0]?.startBandS ?? [0, 0];
    expect(lo).toBeLessThanOrEqual(1600);
    expect(hi).toBeGreaterThanOrEqual(5000);
  });
});
