import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Only for test/support/summary-reporter.test.ts: runs skips.probe.ts with the summary reporter alone.
export default defineConfig({
  root: fileURLToPath(new URL("../../../", import.meta.url)),
  test: {
    include: ["test/support/probe/*.probe.ts"],
    reporters: ["./scripts/summary-reporter.mjs"],
    pool: "forks",
  },
});
