import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    reporters: ["default", "./scripts/summary-reporter.mjs"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
