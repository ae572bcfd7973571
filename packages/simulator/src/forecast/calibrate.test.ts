import { describe, expect, it } from "vitest";
import { seededRng } from "../engine/rng.js";
import { StartBandCalibrator } from "./calibrate.js";

describe("StartBandCalibrator", () => {
  it("keeps the raw band until enough forecasts have matured", () => {
    const c = new StartBandCalibrator(100, 10);
    c.observe(0, [100, 200], 150);
    expect(c.adjust(0, [100, 200])).toEqual([100, 200]);
  });

  it("widens bands that are too narrow until about 80 % of real starts fall inside", () => {
    const rng = seededRng(3);
    const c = new StartBandCalibrator(500, 50);
    // the forecaster's band is [0.8, 1.25] × the true median wait, but real waits spread ×/÷ 3
    const draw = (): { wait: number; actual: number } => {
      const wait = 600 + rng.int(20_000);
      const z = (rng.next() + rng.next() + rng.next() - 1.5) * 2; // roughly normal, sd 1
      return { wait, actual: wait * Math.exp(z * Math.log(3) * 0.78) };
    };
    let hitRaw = 0;
    let hit = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const { wait, actual } = draw();
      const raw: [number, number] = [wait * 0.8, wait * 1.25];
      const [lo, hi] = c.adjust(0, raw);
      if (actual >= raw[0] && actual <= raw[1]) hitRaw++;
      if (i >= 500 && actual >= lo && actual <= hi) hit++;
      c.observe(0, raw, actual);
    }
    expect(hitRaw / n).toBeLessThan(0.4);
    const share = hit / (n - 500);
    expect(share).toBeGreaterThan(0.75);
    expect(share).toBeLessThan(0.85);
  });
});
