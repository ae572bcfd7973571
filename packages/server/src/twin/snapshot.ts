import type { Catalog } from "@aidc/core";
import type { RunningJob, SchedJob } from "@aidc/scheduler";
import type { TwinPending, TwinRunning } from "@aidc/simulator";
import type { JobRecord } from "../store/jobs.js";
import type { LivePredictor } from "./predict.js";
import type { ProfileDesc } from "./profile.js";
import type { NodeWish, TwinInput, TwinView } from "./types.js";
import type { ClusterModel } from "@aidc/core";

/** A job's GPU type (resolved to a catalog id) and node selector, when it names either. */
export function wishOf(spec: JobRecord["spec"], catalog: Catalog): NodeWish | undefined {
  const named = spec.tasks.find((t) => t.resources.gpuType !== undefined)?.resources.gpuType;
  const found = named === undefined ? undefined : catalog.lookup(named, "Accelerator");
  const gpuType = found?.found ? found.item.id : named;
  const selector = spec.nodeSelector !== undefined && Object.keys(spec.nodeSelector).length > 0 ? spec.nodeSelector : undefined;
  if (gpuType === undefined && selector === undefined) return undefined;
  return { ...(gpuType !== undefined ? { gpuType } : {}), ...(selector !== undefined ? { selector } : {}) };
}

/** A SchedJob without the running-only fields (a running job sent back to the queue). */
export function asPending(r: RunningJob): SchedJob {
  const { startS: _s, runStartS: _r, assignments: _a, ...job } = r;
  return job;
}

export interface SnapshotDeps {
  readonly predictor: LivePredictor;
  readonly catalog: Catalog;
  readonly model: ClusterModel;
  readonly profile: ProfileDesc;
  readonly get: (id: string) => JobRecord | undefined;
}

/**
 * Fork the loop's view into the twin's input: running jobs with their elapsed time and predicted run
 * time (conditioned on what they ran), pending jobs with their predicted run time, cordons, the profile.
 * Jobs whose record is gone (finished since the pass) are left out.
 */
export function twinInput(view: TwinView, d: SnapshotDeps): TwinInput {
  const record = (id: string): JobRecord | undefined => view.records.get(id) ?? d.get(id);
  const wishes: Record<string, NodeWish> = {};
  const gpuTypeOf = (r: RunningJob): string | undefined => {
    const node = r.assignments[0]?.node;
    const t = node === undefined ? -1 : (view.topology.nodeGpuType[node] ?? -1);
    return t >= 0 ? view.topology.gpuTypeNames[t] : undefined;
  };
  const running: TwinRunning[] = [];
  for (const r of view.running) {
    const rec = record(r.id);
    if (rec === undefined) continue;
    const elapsedS = Math.max(0, view.nowS - r.runStartS);
    const runtime = d.predictor.predict(rec, r.gpus, elapsedS, gpuTypeOf(r));
    running.push({ job: r, assignments: r.assignments, startS: r.startS, runStartS: r.runStartS, runtime });
    const wish = wishOf(rec.spec, d.catalog);
    if (wish) wishes[r.id] = wish;
  }
  const pending: TwinPending[] = [];
  for (const job of view.pending) {
    // jobs waiting for dependencies are not queued yet (see deps.ts)
    if (view.blocked.has(job.id)) continue;
    const rec = record(job.id);
    if (rec === undefined) continue;
    pending.push({ job, runtime: d.predictor.predict(rec, job.gpus) });
    const wish = wishOf(rec.spec, d.catalog);
    if (wish) wishes[job.id] = wish;
  }
  return {
    state: { topology: view.topology, down: view.down, nowS: view.nowS, running, pending },
    profile: d.profile,
    model: d.model,
    wishes,
  };
}
