import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JobSpec, type JobSpecInput } from "@aidc/core";
import { resolvePolicy } from "@aidc/scheduler";
import { SimExecutor } from "../executors/sim.js";
import { SchedulingLoop } from "../loop/scheduling.js";
import { localCluster } from "../main.js";
import { JobRepo, TooManyPendingJobsError } from "./jobs.js";
import { SqliteStore } from "./sqlite.js";

function open(): { repo: JobRepo; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "aidc-jobrepo-"));
  return { repo: new JobRepo(SqliteStore.open(join(dir, "aidc.db"))), dir };
}
const spec = (name: string, extra: Partial<JobSpecInput> = {}): JobSpec =>
  JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name, tasks: [{}], run: { command: "true" }, ...extra });

function finish(repo: JobRepo, id: string, t: number, how: "succeed" | "fail"): void {
  repo.apply(id, "admit", t);
  repo.apply(id, "start", t, { runId: `r-${id}` });
  repo.apply(id, how, t);
}

describe("JobRepo", () => {
  it("latestStates: the state of each name's latest job of that user, in one query", () => {
    const { repo } = open();
    const a1 = repo.submit(spec("a"), "alice", 1).job;
    finish(repo, a1.id, 2, "succeed");
    const a2 = repo.submit(spec("a"), "alice", 3).job; // resubmitted: the latest is pending again
    const b = repo.submit(spec("b"), "alice", 4).job;
    finish(repo, b.id, 5, "succeed");
    repo.submit(spec("c"), "bob", 6); // another user's job of a wanted name
    const states = repo.latestStates("alice", ["a", "b", "c", "b"]);
    expect(states).toEqual(
      new Map([
        ["a", "pending"],
        ["b", "succeeded"],
      ]),
    );
    expect(repo.latestStates("alice", [])).toEqual(new Map());
    expect(a2.state).toBe("pending");
    // 50,000 names are one statement too (no host-parameter limit)
    expect(
      repo
        .latestStates(
          "alice",
          Array.from({ length: 50_000 }, (_, i) => (i === 0 ? "b" : `x${i}`)),
        )
        .get("b"),
    ).toBe("succeeded");
  });

  it("counts waiting jobs per user and queue, and refuses a submission over the cap in the same transaction", () => {
    const { repo } = open();
    const cap = { maxPendingJobsPerUser: { value: 2, source: "limits.maxPendingJobsPerUser" } };
    const first = repo.submit(spec("j"), "alice", 1, "k", cap).job;
    repo.submit(spec("j", { queue: "q" }), "alice", 2, undefined, cap);
    expect(repo.waiting("alice")).toBe(2);
    expect(repo.waiting("alice", "q")).toBe(1);
    expect(() => repo.submit(spec("j"), "alice", 3, undefined, cap)).toThrow(TooManyPendingJobsError);
    expect(repo.submit(spec("j"), "alice", 4, "k", cap)).toMatchObject({ created: false, job: { id: first.id } });
    expect(repo.submit(spec("j"), "bob", 5, undefined, cap).created).toBe(true);
    finish(repo, first.id, 6, "succeed");
    expect(repo.waiting("alice")).toBe(1);
    expect(repo.submit(spec("j"), "alice", 7, undefined, cap).created).toBe(true);
  });

  it("pages through jobs with a cursor: each job exactly once, even when many share a millisecond", () => {
    const { repo } = open();
    const ids = Array.from({ length: 25 }, (_, i) => repo.submit(spec(`j${i}`), "alice", 100 + Math.floor(i / 10)).job.id);
    const seen: string[] = [];
    let after: { submittedAtMs: number; id: string } | undefined;
    for (;;) {
      const page = repo.list({ limit: 7, ...(after ? { after } : {}) });
      seen.push(...page.map((j) => j.id));
      const last = page.at(-1);
      if (page.length < 7 || last === undefined) break;
      after = { submittedAtMs: last.submittedAtMs, id: last.id };
    }
    expect(seen).toEqual(repo.list({ limit: 100 }).map((j) => j.id));
    expect(new Set(seen)).toEqual(new Set(ids));
  });
});

describe("the scheduling loop's dependencies", () => {
  it("start a job once the latest job of every name it depends on succeeded", async () => {
    const { repo, dir } = open();
    const profile = resolvePolicy("fifo");
    if (!profile.ok) throw new Error("no fifo policy");
    const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const loop = new SchedulingLoop({
      jobs: repo,
      cordons: () => new Map(),
      executor: new SimExecutor({ runsDir: join(dir, "runs"), defaultDurationS: 1e6 }),
      cluster: localCluster(),
      profile: profile.value,
      now: () => 1000,
      log: quiet,
    });
    const deps = Array.from({ length: 2000 }, (_, i) => `d${i}`);
    // the dependencies ask for a GPU this machine's cluster lacks: the loop never starts them itself
    const gpu = { tasks: [{ resources: { gpus: 1 } }] };
    const d = deps.map((name, i) => repo.submit(spec(name, gpu), "alice", i).job);
    const waiter = repo.submit(spec("w", { dependsOn: deps }), "alice", 5000).job;
    for (const job of d.slice(0, 1990)) finish(repo, job.id, 10, "succeed");
    finish(repo, d[1990]?.id ?? "", 10, "fail");
    await loop.tick();
    expect(loop.explain(waiter.id)).toEqual({
      reason: "DEPENDENCY",
      message: 'waiting for "d1990", "d1991", "d1992", "d1993", "d1994", 5 more to succeed',
    });
    for (const job of d.slice(1991)) finish(repo, job.id, 10, "succeed");
    // d1990 failed; a resubmission that succeeds is its latest job
    const again = repo.submit(spec("d1990", gpu), "alice", 6000).job;
    await loop.tick();
    expect(loop.explain(waiter.id)?.message).toBe('waiting for "d1990" to succeed');
    finish(repo, again.id, 20, "succeed");
    await loop.tick();
    expect(repo.get(waiter.id)?.state).toBe("running");
  });
});
