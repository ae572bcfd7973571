import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NO_PG_REASON, PgSchemas, pgRequired, pgTestUrl } from "../../packages/server/src/store/contract/harness.testing.js";
import { jobEvents, Replicas, sleep, Submitter, untilAllFinal } from "./failover-harness.js";

const base = pgTestUrl();
const schemas = base === undefined ? undefined : new PgSchemas(base);
afterAll(async () => schemas?.dropAll());

interface LogLine {
  time: number;
  msg: string;
  job?: string;
  err?: { code?: string };
}

function logLines(text: string): LogLine[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);
}

describe.skipIf(base === undefined && !pgRequired())(
  `fencing on PostgreSQL${base === undefined ? ` (skipped: ${NO_PG_REASON})` : ""}`,
  () => {
    it("a leader frozen (SIGSTOP) for longer than its lease does not act after SIGCONT: the other replica leads, no job starts twice", async () => {
      if (schemas === undefined) throw new Error(`${NO_PG_REASON}; CI=true or AIDC_REQUIRE_PG=1 requires the fencing test`);
      const { url } = await schemas.fresh();
      const replicas = new Replicas(url, ["--isolation", "none", "--log-level", "info"]);
      const marks = join(replicas.root, "starts");
      mkdirSync(marks);
      const job = (key: string) => ({
        apiVersion: "aidc/v1",
        kind: "Job",
        name: key,
        tasks: [{ resources: { cpus: 1, memoryGiB: 1 } }],
        run: { command: `echo "$AIDC_RUN_ID" >> ${marks}/${key}; sleep 1` },
      });
      try {
        await replicas.start("a");
        const frozen = await replicas.leader();
        await replicas.start("b");
        const token = replicas.token();
        const submitter = new Submitter(replicas, token, job);
        submitter.start(3, 150);
        await sleep(2500); // the leader is busy admitting, starting and finishing jobs
        const frozenAt = Date.now();
        frozen.child.kill("SIGSTOP");
        const t0 = performance.now();
        while ((await replicas.ready("b"))?.leading !== true) {
          if (performance.now() - t0 > 30_000) throw new Error("b did not take over from the frozen leader");
          await sleep(20);
        }
        const takeoverMs = Math.round(performance.now() - t0);
        await sleep(6000 - takeoverMs); // frozen for 6 s, beyond the 3 s lease
        const resumedAt = Date.now();
        frozen.child.kill("SIGCONT");
        await sleep(4000); // a runs again while jobs keep coming (submissions also reach a)
        expect(await replicas.ready("a")).toMatchObject({ leading: false, leader: "b" });
        await submitter.stop();
        await submitter.settle();
        const jobs = await untilAllFinal((await replicas.leader()).url, token, 120_000);

        // after SIGCONT, a wrote no job change and started nothing: it saw it had lost the lease
        const aLog = logLines(replicas.procs.get("a")?.stderr() ?? "");
        const after = aLog.filter((l) => l.time >= resumedAt);
        const fenced = after.filter((l) => l.err?.code === "FENCED").length;
        console.log(
          JSON.stringify({ fencing: "SIGSTOP 6 s > 3 s lease, then SIGCONT", takeoverMs, jobs: jobs.length, fencedAfterResume: fenced }),
        );
        expect(after.some((l) => l.msg.includes("a no longer leads"))).toBe(true);
        // a "job finished" line a prints after SIGCONT may only close out a write the store accepted before the
        // freeze (a was stopped between the write and its log line): the job's last event is older than the freeze
        const leaderNow = (await replicas.leader()).url;
        for (const line of after.filter((l) => l.msg === "job finished")) {
          const events = await jobEvents(leaderNow, token, String(line.job));
          const last = events.at(-1) as { atMs?: number; type: string } | undefined;
          expect(last?.atMs, `${String(line.job)}: ${last?.type}`).toBeLessThan(frozenAt);
        }
        expect(after.filter((l) => l.msg.includes("a leads"))).toEqual([]);

        expect(jobs.length).toBe(submitter.acks.length);
        expect(jobs.filter((j) => j.state !== "succeeded").map((j) => `${j.name}: ${j.state} ${j.message ?? ""}`)).toEqual([]);
        const starts = new Map(readdirSync(marks).map((f) => [f, readFileSync(join(marks, f), "utf8").trim().split("\n")]));
        for (const j of jobs) expect(starts.get(j.name), j.name).toHaveLength(1);
        const leaderUrl = (await replicas.leader()).url;
        for (const j of jobs.slice(0, 60)) {
          const types = (await jobEvents(leaderUrl, token, j.id)).map((e) => e.type);
          expect(
            types.filter((t) => t === "job.admitted"),
            j.name,
          ).toHaveLength(1);
        }
      } finally {
        await replicas.stopAll();
      }
    }, 300_000);
  },
);
