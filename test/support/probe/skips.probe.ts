// Run only by test/support/summary-reporter.test.ts (through vitest.config.mjs here): one test of each kind of skip.
import { describe, expect, it } from "vitest";
import { describeUnless, describeWithShared } from "../data.js";

describe("probe", () => {
  it("passes", () => expect(1).toBe(1));
  it("skips with a note", (ctx) => ctx.skip("the note"));
  it.skip("skips without a reason", () => {});
  it.skip("skips with a reason in its name (skipped: no widget here)", () => {});
  it.todo("is still to do");
});

describeWithShared("no-such-dataset/file.csv", "probe on shared data", () => {
  it("reads the data", () => expect(1).toBe(2));
});

describeUnless(true, "the tool is not installed", "probe needing a tool", () => {
  it("uses the tool", () => expect(1).toBe(2));
});
