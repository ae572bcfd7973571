import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const TRACE = fileURLToPath(new URL("../../../examples/data/tiresias/60_job.csv", import.meta.url));

describe("bin", () => {
  it("a reader that goes away (aidc … | head -1) ends the command quietly with its exit code, not an EPIPE stack", () => {
    const script = `set -o pipefail; "${process.execPath}" "${BIN}" sim run --trace "${TRACE}" --format tiresias --cluster philly | head -1`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(r.stdout.split("\n").filter(Boolean)).toHaveLength(1);
    expect(r.status).toBe(0);
  });
});
