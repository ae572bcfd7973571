import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));

/** Start `aidc serve` as a real process, wait for its URL on stdout, stop it; everything it printed. */
function serveOnce(extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<{ out: string; err: string; code: number | null }> {
  const dataDir = join(mkdtempSync(join(tmpdir(), "aidc-serve-")), "data");
  const args = [join(repo, "packages/cli/dist/bin.js"), "serve", "--port", "0", "--data-dir", dataDir, "--isolation", "none", ...extra];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (/^http:\/\/\S+\n/m.test(out)) child.kill("SIGTERM");
  });
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ out, err, code })));
}

describe("aidc serve output", () => {
  it("prints its URL alone on stdout and human lines on stderr: no pino JSON in npm start's output", async () => {
    const r = await serveOnce();
    expect(r.out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\n$/);
    expect(r.err).toMatch(/^aidc is listening on http:\/\/127\.0\.0\.1:\d+ \(executor local; /m);
    expect(r.err).toMatch(/^warn: job isolation is "none"/m);
    expect(`${r.out}${r.err}`).not.toMatch(/\{"level":/);
  });

  it("--executor slurm without Slurm's commands exits 2 with the reason", async () => {
    // a PATH without Slurm (CI has a real one on the default PATH)
    const r = await serveOnce(["--executor", "slurm"], { ...process.env, PATH: mkdtempSync(join(tmpdir(), "aidc-no-slurm-")) });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Cannot use the slurm executor: sbatch is not on PATH/);
    expect(r.out).toBe("");
  });
});
