// Run only by test/support/summary-reporter.test.ts: a suite whose beforeAll fails, beside one that passes.
import { beforeAll, describe, expect, it } from "vitest";

describe("probe with a failing hook", () => {
  beforeAll(() => {
    throw new Error("the server did not start");
  });
  it("never runs", () => expect(1).toBe(1));
});

describe("probe beside it", () => {
  it("passes", () => expect(1).toBe(1));
});
