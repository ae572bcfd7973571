import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serveProcess } from "./serve-process.js";

const REPLICAS = 1000;

/** Small start batches, so the kill lands in the middle of the start; its own OS user: the process limit
 * (RLIMIT_NPROC) is per user, and other test files start thousands of aidc-job processes at the same time. */
const serve = (dataDir: string, jobsDir: string): ReturnType<typeof serveProcess> =>
  serveProcess(dataDir, ["--jobs-dir", jobsDir, "--metrics-interval", "0", "--start-batch", "10", "--map-users"]);

describe("crash-safe start", () => {
  it("kill -9 in the middle of starting a 1,000-replica job: after a restart exactly 1,000 replicas ran", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-startcrash-"));
    const jobsDir = mkdtempSync(join(tmpdir(), "aidc-startcrash-jobs-"));
    let { child, url, exited } = await serve(dataDir, jobsDir);
    const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    const auth = { authorization: `Bearer ${token}` };
    const res = await fetch(`${url}/api/v1/jobs`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        apiVersion: "aidc/v1",
        kind: "Job",
        name: "wide",
        user: "startcrash",
        tasks: [{ name: "w", replicas: REPLICAS, resources: { cpus: 0.001, memoryGiB: 0.001 } }],
        run: { command: 'echo "ran $AIDC_REPLICA"; sleep 1' },
      }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    // the run's name is recorded with the admission: <job id>.<attempt>
    const runDir = join(dataDir, "runs", `${id}.0`);
    const claimed = (): number => (existsSync(runDir) ? readdirSync(runDir).filter((f) => f.endsWith(".claim")).length : 0);
    const deadline = Date.now() + 60_000;
    while (claimed() < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGKILL");
    await exited;
    const atKill = claimed();
    expect(atKill).toBeGreaterThanOrEqual(100);
    expect(atKill).toBeLessThan(REPLICAS); // the kill really interrupted the start

    ({ child, url, exited } = await serve(dataDir, jobsDir));
    try {
      let job: { state: string; message?: string } = { state: "" };
      for (let i = 0; i < 600 && !["succeeded", "failed"].includes(job.state); i++) {
        await new Promise((r) => setTimeout(r, 200));
        job = (await (await fetch(`${url}/api/v1/jobs/${id}`, { headers: auth })).json()) as { state: string; message?: string };
      }
      expect(`${job.state} ${job.message ?? ""}`.trim()).toBe("succeeded");
      // every replica ran exactly once: one line in its own log, none twice, none missing
      const lines = readdirSync(runDir)
        .filter((f) => f.endsWith(".log"))
        .flatMap((f) => readFileSync(join(runDir, f), "utf8").trim().split("\n"));
      expect(lines).toHaveLength(REPLICAS);
      expect(new Set(lines).size).toBe(REPLICAS);
      expect(claimed()).toBe(REPLICAS);
      console.log(JSON.stringify({ replicas: REPLICAS, claimedAtKill: atKill, ranAfterRestart: REPLICAS - atKill }));
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }, 240_000);
});
