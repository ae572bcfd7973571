import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "./data.js";

interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  skips: { name: string; reason: string }[];
  failures: { name: string; error: string }[];
}

/** Runs test/support/probe/<probe>.probe.ts in a child vitest with only the summary reporter. */
function runProbe(probe: string, requireShared = false): { stdout: string; status: number | null; summary: Summary } {
  const json = join(mkdtempSync(join(tmpdir(), "aidc-summary-")), "summary.json");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && k !== "NODE_ENV"));
  const r = spawnSync(
    join(repoRoot, "node_modules/.bin/vitest"),
    ["run", "--config", "test/support/probe/vitest.config.mjs", `${probe}.probe`],
    {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...env, AIDC_TEST_SUMMARY_JSON: json, AIDC_REQUIRE_SHARED: requireShared ? "1" : "0", AIDC_SHARED_DATA: "" },
    },
  );
  return { stdout: r.stdout, status: r.status, summary: JSON.parse(readFileSync(json, "utf8")) as Summary };
}

const probe = "test/support/probe/skips.probe.ts";

describe("scripts/summary-reporter.mjs", () => {
  it("lists every skipped test with its reason, ends with the counts line and writes the same as JSON", () => {
    const r = runProbe("skips");
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("1 passed, 0 failed, 6 skipped");
    expect(r.summary).toEqual({
      passed: 1,
      failed: 0,
      skipped: 6,
      skips: [
        { name: `${probe} > probe > skips with a note`, reason: "the note" },
        { name: `${probe} > probe > skips without a reason`, reason: "(no reason given)" },
        { name: `${probe} > probe > skips with a reason in its name (skipped: no widget here)`, reason: "no widget here" },
        { name: `${probe} > probe > is still to do`, reason: "todo" },
        { name: `${probe} > probe on shared data > reads the data`, reason: "needs ../shared/data/no-such-dataset/file.csv" },
        { name: `${probe} > probe needing a tool > uses the tool`, reason: "the tool is not installed" },
      ],
      failures: [],
    });
    // each skip is listed with its reason (once: not repeated when the name already carries it)
    for (const s of r.summary.skips) expect(lines).toContain(s.name.includes(s.reason) ? `  ${s.name}` : `  ${s.name}: ${s.reason}`);
  });

  it("with AIDC_REQUIRE_SHARED=1 missing ../shared data is a failure, not a skip", () => {
    const r = runProbe("skips", true);
    expect(r.status).not.toBe(0);
    expect(r.summary).toMatchObject({ passed: 1, failed: 1, skipped: 5 });
    expect(r.summary.skips.map((s) => s.reason)).not.toContain("needs ../shared/data/no-such-dataset/file.csv");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("1 passed, 1 failed, 5 skipped");
    // the failed test is named, with its error's first line, just above the counts (a log cut to its tail shows it)
    expect(r.summary.failures).toHaveLength(1);
    const f = r.summary.failures[0]!;
    expect(f.name).toMatch(new RegExp(`^${probe} > probe on shared data > .*no-such-dataset`));
    expect(lines.slice(-4)).toContain(`  ${f.name}: ${f.error}`);
  });

  it("counts a suite or a file whose hook failed as a failure and says why its tests did not run", () => {
    const r = runProbe("hook");
    expect(r.status).not.toBe(0);
    expect(r.summary).toEqual({
      passed: 1,
      failed: 2,
      skipped: 2,
      skips: expect.arrayContaining([
        {
          name: "test/support/probe/file-hook.probe.ts > never runs either",
          reason: "not run: the file failed before it (a hook or the file)",
        },
        {
          name: "test/support/probe/hook.probe.ts > probe with a failing hook > never runs",
          reason: 'not run: "probe with a failing hook" failed before it (a hook or the file)',
        },
      ]),
      failures: expect.any(Array),
    });
    expect(r.summary.skips).toHaveLength(2);
    expect(r.summary.failures.map((f) => f.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/hook\.probe\.ts > probe with a failing hook \(a hook\)$/)]),
    );
    expect(r.summary.failures).toHaveLength(2);
  });
});
