import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limit.js";

describe("rate limiter", () => {
  it("allows a burst, then refills at the configured rate, per caller", () => {
    let now = 0;
    const rl = new RateLimiter(10, 20, () => now);
    for (let i = 0; i < 20; i++) expect(rl.take("a")).toBe(0);
    expect(rl.take("a")).toBeGreaterThan(0);
    expect(rl.take("b")).toBe(0); // another caller has its own bucket
    now += 100; // 0.1 s refills one request
    expect(rl.take("a")).toBe(0);
    expect(rl.take("a")).toBeGreaterThan(0);
  });
});
