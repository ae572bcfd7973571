import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLabeled, runSiteStep, parseSiteConfig, type LabeledData } from "@aidc/workloads";
import { fixture } from "../../../../test/support/data.js";
import { BlobStore } from "../artifacts/blobs.js";
import { SqliteStore } from "../store/sqlite.js";
import { FederatedService } from "./service.js";
import { FederatedRunSpec } from "./spec.js";

// The coordinator's state machine on a real SQLite store, with the site jobs' outputs written by hand: what it
// accepts from a site job (untrusted code) and what it refuses.
const dir = mkdtempSync(join(tmpdir(), "aidc-fed-svc-"));
let store: SqliteStore;
let svc: FederatedService;
let data: LabeledData;
const alice = { user: "alice", role: "user" as const };

beforeAll(async () => {
  store = SqliteStore.open(join(dir, "aidc.db"));
  const blobs = new BlobStore(join(dir, "blobs"));
  svc = new FederatedService({
    store,
    blobs: () => blobs,
    dir: join(dir, "fed"),
    modelsDir: join(dir, "models"),
    now: () => Date.now(),
    onJobsChanged: () => undefined,
  });
  data = await readLabeled(fixture("imdb/train.jsonl.gz"), { limit: 200 });
});
afterAll(() => store.close());

/** A site job's work dir after it ran: what the coordinator copied in, and what the job wrote. */
async function siteJob(jobId: string, tamper?: (out: { message: Uint8Array; report: Record<string, unknown> }) => void) {
  const job = (await store.jobs.get(jobId))!;
  const work = join(dir, "work", jobId);
  mkdirSync(work, { recursive: true });
  svc.prepare({ jobId, spec: job.spec, user: job.user, jobDir: work });
  const config = parseSiteConfig(JSON.parse(readFileSync(join(work, "inputs/federated.json"), "utf8")));
  const global = config.mode === "update" ? new Uint8Array(readFileSync(join(work, "inputs/federated-global.bin"))) : undefined;
  const { message, report } = runSiteStep(config, data, global ? { global } : {});
  const out = { message, report: { ...report } as Record<string, unknown> };
  tamper?.(out);
  writeFileSync(join(work, "federated-update.bin"), out.message);
  writeFileSync(
    join(work, "federated-report.json"),
    typeof out.report["raw"] === "string" ? out.report["raw"] : JSON.stringify(out.report),
  );
  return { job, work };
}

describe("the federated coordinator", () => {
  it("submits a round, hands inputs only to its own jobs, refuses forged or tampered outputs, then moves on", async () => {
    const spec = FederatedRunSpec.parse({
      name: "svc",
      sites: [{ data: "/x/a.jsonl" }, { data: "/x/b.jsonl" }],
      rounds: 2,
      hyper: { bits: 10 },
    });
    const run = await svc.create(alice, spec);
    await svc.tick();
    const jobs = svc.get(alice, run.id).phase.jobs;
    expect(Object.keys(jobs)).toEqual(["0", "1"]);
    const j0 = jobs["0"]!;
    const j1 = jobs["1"]!;

    // bob's job naming alice's run gets nothing
    const bobJob = (await store.jobs.get(j0))!;
    expect(() => svc.prepare({ jobId: "j-bob", spec: bobJob.spec, user: "bob", jobDir: join(dir, "bob") })).toThrow(/another user/);
    // alice's own job posing as site 0 of the run while site 0's job exists
    expect(() => svc.prepare({ jobId: "j-other", spec: bobJob.spec, user: "alice", jobDir: join(dir, "other") })).toThrow(
      /site 0's job this round is/,
    );

    // site 1's message claims to be site 0; then a corrupt message; then a report that is not JSON
    const claim = await siteJob(j1, (o) => {
      const v = new DataView(o.message.buffer, o.message.byteOffset);
      v.setUint32(12, 0, true); // the header's site field
    });
    await expect(svc.collect(claim.job, claim.work)).rejects.toThrow(/claims to be site 0/);
    const corrupt = await siteJob(j1, (o) => (o.message = o.message.subarray(0, o.message.length - 3)));
    await expect(svc.collect(corrupt.job, corrupt.work)).rejects.toThrow(/corrupt/);
    const badReport = await siteJob(j1, (o) => (o.report = { raw: "{not json" }));
    await expect(svc.collect(badReport.job, badReport.work)).rejects.toThrow(/not JSON/);
    expect(svc.get(alice, run.id).phase.round).toBe(0);

    // honest outputs from both sites: the join round closes and round 1's jobs are submitted
    for (const id of [j0, j1]) {
      const ok = await siteJob(id);
      await svc.collect(ok.job, ok.work);
    }
    await svc.tick(); // closes round 0
    const after = svc.get(alice, run.id);
    expect(after.phase.round).toBe(1);
    expect(after.joinBytes.every((b) => b > 28)).toBe(true);
    await svc.tick(); // submits round 1
    const r1 = svc.get(alice, run.id).phase.jobs;
    expect(Object.keys(r1)).toHaveLength(2);
    expect(r1["0"]).not.toBe(j0);
    // a job of the finished round is no longer accepted
    const late = (await store.jobs.get(j0))!;
    await expect(svc.collect(late, join(dir, "work", j0))).rejects.toThrow(/not in round 0/);

    // round 1: site 1's job is cancelled; a plain round carries on with site 0 alone (weights renormalised)
    await store.jobs.apply(r1["1"]!, "cancel", Date.now());
    const only = await siteJob(r1["0"]!);
    await svc.collect(only.job, only.work);
    await svc.tick(); // notices the drop and closes the round
    const closed = svc.get(alice, run.id);
    expect(closed.status).toBe("running");
    expect(closed.history).toHaveLength(1);
    expect(closed.history[0]).toMatchObject({ round: 1, participants: [0], dropped: [1] });
    expect(closed.history[0]!.bytesSent[1]).toBe(0);
    expect(closed.phase.round).toBe(2);
  }, 60_000);
});
