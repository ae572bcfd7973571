import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Catalog, ClusterModel, Logger } from "@aidc/core";
import type { ResolvedProfile } from "@aidc/scheduler";
import { buildApp } from "../../../packages/server/src/app.js";
import { BlobStore } from "../../../packages/server/src/artifacts/blobs.js";
import type { ServerContext } from "../../../packages/server/src/context.js";
import { SimExecutor } from "../../../packages/server/src/executors/sim.js";
import { SchedulingLoop } from "../../../packages/server/src/loop/scheduling.js";
import { ServerMetrics } from "../../../packages/server/src/metrics.js";
import type { JobRecord } from "../../../packages/server/src/store/jobs.js";
import { SqliteStore } from "../../../packages/server/src/store/sqlite.js";
import { jobDocument, type TwinJob } from "./jobs.js";
import { canonicalGpuType, placementText, type Decision, type SideRun } from "./sim-side.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** What the harness last saw of a live job. */
interface Seen {
  readonly state: JobRecord["state"];
  readonly runId?: string;
}

function whereOf(job: JobRecord): string {
  const byNode = new Map<string, number[]>();
  for (const slot of job.placement?.tasks ?? []) {
    const list = byNode.get(slot.node) ?? [];
    list.push(...slot.gpuIndices);
    byNode.set(slot.node, list);
  }
  return placementText(byNode);
}

/**
 * The server's side, in virtual time: a real SQLite store in a temp dir, its real job store, REST app
 * (jobs are submitted with POST /api/v1/jobs through app.inject at their arrival time), SchedulingLoop
 * and SimExecutor, all reading one virtual clock. A pass (`tick()`) runs at every arrival, at every
 * end of a run (the executor's endsAtMs) and at every time the simulator ran a pass (`passesS`: its
 * revisits), and with `everyS` also periodically, as the real server does. Decisions are read from the store after every pass.
 */
export async function runServer(
  model: ClusterModel,
  catalog: Catalog,
  profile: ResolvedProfile,
  jobs: readonly TwinJob[],
  originS: number,
  passesS: readonly number[],
  /** Also run a pass every this many seconds, as `aidc serve` does (its tick); undefined: only at the times above. */
  everyS?: number,
): Promise<SideRun> {
  const dir = mkdtempSync(join(tmpdir(), "aidc-twin-"));
  let nowMs = originS * 1000;
  const clock = (): number => nowMs;
  const store = SqliteStore.open(join(dir, "aidc.db"));
  const executor = new SimExecutor({ runsDir: join(dir, "runs"), now: clock });
  const repo = store.jobs;
  const token = await store.tokens.create("admin", "admin", nowMs);
  const loop = new SchedulingLoop({
    jobs: repo,
    cordons: async () => new Map(),
    executor,
    cluster: model,
    profile,
    now: clock,
    log: quiet,
    canonicalGpuType: canonicalGpuType(catalog),
  });
  const ctx: ServerContext = {
    store,
    blobs: new BlobStore(join(dir, "blobs")),
    modelsDir: join(dir, "models"),
    catalog,
    cluster: model,
    executor,
    explain: (id) => loop.explain(id),
    freeGpus: () => loop.freeGpus(),
    drain: (node) => loop.drain(node),
    metrics: new ServerMetrics(),
    now: clock,
    policy: profile.name,
    shuttingDown: () => false,
    onJobsChanged: () => undefined,
  };
  const app = await buildApp(ctx, { logger: false, rateLimitPerS: 0 });
  const decisions: Decision[] = [];
  const seen = new Map<string, Seen>();
  const names = new Map<string, string>();
  const passes: number[] = [];
  try {
    const arrivals = [...jobs].sort((a, b) => a.submitS - b.submitS);
    const revisits = [...new Set(passesS)].sort((a, b) => a - b);
    let next = 0;
    let r = 0;
    for (;;) {
      const nowS = nowMs / 1000;
      const last = passes.at(-1) ?? -Infinity;
      while (r < revisits.length && (revisits[r] ?? 0) <= last) r++;
      const arrival = next < arrivals.length ? originS + (arrivals[next]?.submitS ?? 0) : Infinity;
      let end = Infinity;
      for (const s of seen.values()) {
        const active = s.state === "running" || s.state === "admitted";
        const at = active && s.runId !== undefined ? executor.endsAtMs(s.runId) : undefined;
        if (at !== undefined && at / 1000 > nowS) end = Math.min(end, at / 1000);
      }
      // the periodic pass while jobs run or are to come (jobs that never fit would keep it going forever)
      const busy = next < arrivals.length || [...seen.values()].some((x) => x.state === "running" || x.state === "admitted");
      const tick = everyS !== undefined && busy ? originS + (Math.floor((nowS - originS) / everyS) + 1) * everyS : Infinity;
      const t = Math.min(arrival, revisits[r] ?? Infinity, end, tick);
      if (!Number.isFinite(t)) break;
      nowMs = t * 1000;
      while (next < arrivals.length && originS + (arrivals[next]?.submitS ?? 0) === t) {
        const job = arrivals[next++] as TwinJob;
        const res = await app.inject({
          method: "POST",
          url: "/api/v1/jobs",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          payload: JSON.stringify(jobDocument(job)),
        });
        if (res.statusCode !== 201) throw new Error(`POST /api/v1/jobs refused ${job.name}: ${res.statusCode} ${res.body}`);
        const id = (res.json() as { id: string }).id;
        names.set(id, job.name);
        seen.set(id, { state: "pending" });
      }
      await loop.tick();
      passes.push(t);
      await observe(t);
    }
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const never = [...seen].filter(([, s]) => s.state === "pending").map(([id]) => names.get(id) ?? id);
  return { decisions, never, passesS: passes };

  /** Compare every job with what the previous pass left: starts, preemptions, ends. */
  async function observe(tS: number): Promise<void> {
    for (const job of await repo.list({ limit: 1_000_000 })) {
      const before = seen.get(job.id);
      const name = names.get(job.id) ?? job.id;
      const active = job.state === "running" || job.state === "admitted";
      const wasActive = before?.state === "running" || before?.state === "admitted";
      if (wasActive && !active) {
        if (job.state === "pending" || job.state === "preempted") decisions.push({ tS, kind: "preempt", job: name });
        else if (job.state === "succeeded") decisions.push({ tS, kind: "end", job: name });
        else decisions.push({ tS, kind: "fail", job: name, note: `${job.state}: ${job.message ?? ""}` });
      }
      if (active && job.runId !== undefined && job.runId !== before?.runId)
        decisions.push({ tS, kind: "start", job: name, where: whereOf(job) });
      seen.set(job.id, { state: job.state, ...(job.runId !== undefined ? { runId: job.runId } : {}) });
    }
  }
}
