import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec, type Executor, type ExecutorRun, type Placement } from "@aidc/core";
import { executorContract } from "./contract.testing.js";
import { LocalExecutor, type LocalExecutorOptions } from "./local.js";

const dataDir = mkdtempSync(join(tmpdir(), "aidc-local-"));
const runsDir = join(dataDir, "runs");
const jobsDir = mkdtempSync(join(tmpdir(), "aidc-local-jobs-"));
const make = (o: Partial<LocalExecutorOptions> = {}): LocalExecutor => new LocalExecutor({ runsDir, jobsDir, killGraceS: 1, ...o });

executorContract({
  name: "local",
  make: () => make(),
  makeAgain: () => make(),
  logs: (ex, runId) => (ex as LocalExecutor).logs(runId),
});

const spec = (run: Record<string, unknown>, replicas = 1): JobSpec =>
  JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name: "t", tasks: [{ replicas }], run });
const slots = (n: number): Placement => ({
  tasks: Array.from({ length: n }, (_, replica) => ({ task: "main", replica, node: "local", gpuIndices: [] })),
});

async function until(ex: Executor, runId: string, timeoutMs = 30_000): Promise<ExecutorRun> {
  const start = Date.now();
  for (;;) {
    const [r] = await ex.status([runId]);
    if (r !== undefined && r.state !== "running") return r;
    if (Date.now() - start > timeoutMs) throw new Error(`run ${runId} still ${r?.state ?? "unknown"}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

// the same contract one level down: an unprivileged user without bubblewrap (only as root)
const notRoot = process.getuid?.() !== 0 ? "the tests run as a non-root user, so a job cannot be given another uid" : undefined;
describe("local executor at isolation uid", { skip: notRoot !== undefined, meta: notRoot ? { skipReason: notRoot } : {} }, () => {
  executorContract({
    name: "local (uid)",
    make: () => make({ isolation: "uid" }),
    makeAgain: () => make({ isolation: "uid" }),
    logs: (ex, runId) => (ex as LocalExecutor).logs(runId),
  });
});

describe("local executor", () => {
  it("cancel kills children of the command too (the whole process group)", async () => {
    const ex = make();
    // a background child keeps touching a file; after cancel the file stops changing
    const run = await ex.start(
      "j-pg",
      spec({ command: '(while true; do date +%s%N > "$AIDC_WORK_DIR/tick"; sleep 0.05; done) & wait' }),
      slots(1),
      {
        runId: "j-pg.0",
      },
    );
    const tick = join(ex.workDir(run.runId), "tick");
    for (let i = 0; i < 200 && !existsSync(tick); i++) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(tick)).toBe(true);
    await ex.cancel(run.runId);
    const before = readFileSync(tick, "utf8");
    await new Promise((r) => setTimeout(r, 400));
    expect(readFileSync(tick, "utf8")).toBe(before);
    expect((await ex.status([run.runId]))[0]?.state).toBe("cancelled");
  });

  it("a damaged run directory fails that run only", async () => {
    const ex = make();
    mkdirSync(ex.runDir("j-bad.0"), { recursive: true });
    writeFileSync(join(ex.runDir("j-bad.0"), "intent.json"), "{not json");
    const [bad, lost] = await ex.status(["j-bad.0", "j-lost.0"]);
    expect(bad).toMatchObject({ state: "failed", message: expect.stringMatching(/cannot read the run's files/) });
    expect(lost).toMatchObject({ state: "failed", message: "run not found (lost)" });
  });

  it("refuses run ids that would escape the runs directory", () => {
    const ex = make();
    expect(() => ex.runDir("../etc")).toThrow(/Invalid run id/);
    expect(() => ex.workDir("..")).toThrow(/Invalid run id/);
  });

  it("refuses a jobs directory inside the data directory", () => {
    expect(() => make({ jobsDir: join(dataDir, "jobs") })).toThrow(/must be outside the data directory/);
  });

  it("a working directory that does not exist fails the start with a clear message", async () => {
    await expect(make().start("j-wd", spec({ command: "true", workingDir: "/nonexistent/x" }), slots(1))).rejects.toThrow(
      "working directory /nonexistent/x does not exist",
    );
  });

  it("refuses environment names that are not identifiers", async () => {
    await expect(make().start("j-env", spec({ command: "true", env: { "A;rm -rf /": "1" } }), slots(1))).rejects.toThrow(
      /not a valid identifier/,
    );
  });

  it("a job sees an allow-listed environment, never the server's (tokens, secrets)", async () => {
    process.env["AIDC_TEST_SECRET"] = "s3cret";
    try {
      const ex = make();
      const run = await ex.start("j-envs", spec({ command: "env | sort", env: { MINE: 'it\'s "quoted" $HOME' } }), slots(1));
      expect(await until(ex, run.runId)).toMatchObject({ state: "succeeded" });
      const log = ex.logs(run.runId);
      expect(log).not.toContain("s3cret");
      expect(log).toContain(`MINE=it's "quoted" $HOME\n`);
      expect(log).toContain(`HOME=${ex.workDir(run.runId)}\n`);
      expect(log).toContain("AIDC_JOB_ID=j-envs\n");
    } finally {
      delete process.env["AIDC_TEST_SECRET"];
    }
  });

  it("starting the same run again (a restart) runs no replica twice and starts the missing ones", async () => {
    const ex = make({ launcher: { batch: 7, concurrency: 1 } });
    const job = spec({ command: 'echo "ran $AIDC_REPLICA"' }, 50);
    await ex.start("j-again", job, slots(50), { runId: "j-again.0" });
    // a second server over the same files while the first is still launching
    const again = make();
    await again.start("j-again", job, slots(50), { runId: "j-again.0" });
    const stateOf = async (e: Executor): Promise<string> => {
      const r = await until(e, "j-again.0");
      return `${r.state} ${r.message ?? ""}`.trim();
    };
    expect(await stateOf(again)).toBe("succeeded");
    expect(await stateOf(ex)).toBe("succeeded");
    const lines = again.logs("j-again.0").trim().split("\n").sort();
    expect(lines).toEqual(Array.from({ length: 50 }, (_, i) => `ran ${i}`).sort());
    const claims = readdirSync(ex.runDir("j-again.0")).filter((f) => f.endsWith(".claim"));
    expect(claims).toHaveLength(50);
  });
});
