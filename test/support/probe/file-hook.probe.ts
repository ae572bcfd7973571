// Run only by test/support/summary-reporter.test.ts: a file whose top-level beforeAll fails (as when a server
// cannot start), so none of its tests runs.
import { beforeAll, expect, it } from "vitest";

beforeAll(() => {
  throw new Error("the server did not start");
});

it("never runs either", () => expect(1).toBe(1));
