import { ClusterState, decide } from "@aidc/scheduler";
import { forecastTwin, type TwinState } from "@aidc/simulator";
import { applyPlan } from "./apply.js";
import { resolveDesc, type ProfileDesc } from "./profile.js";
import { summarize } from "./summary.js";
import type { ForecastWire, Hypothetical, TwinInput, WhatIfJobWire, WhatIfPlan, WhatIfWire } from "./types.js";

/**
 * The twin's computations on plain data: what its worker thread runs (and tests and benchmarks call
 * directly). Nothing here reads a clock or the store.
 */

export interface ForecastSettings {
  readonly horizonS?: number;
  readonly samples?: number;
  readonly targets?: readonly string[];
}

export function forecastState(state: TwinState, profile: ProfileDesc, s: ForecastSettings = {}, clock?: () => number): ForecastWire {
  const r = forecastTwin(state, resolveDesc(profile), {
    seed: 1,
    ...(s.horizonS !== undefined ? { horizonS: s.horizonS } : {}),
    ...(s.samples !== undefined ? { samples: s.samples } : {}),
    ...(s.targets !== undefined ? { targets: s.targets } : {}),
    ...(clock ? { clock } : {}),
  });
  return { jobs: [...r.jobs.values()], utilization: r.utilization, wallMs: r.wallMs };
}

/** Before and after a what-if's changes, with the same predictors; `before` may come from the live twin's cache. */
export function whatIf(input: TwinInput, plan: WhatIfPlan, s: ForecastSettings, before?: ForecastWire): WhatIfWire {
  const settings = { ...s, ...(plan.horizonS !== undefined ? { horizonS: plan.horizonS } : {}) };
  const b = before ?? forecastState(input.state, input.profile, settings);
  const changed = applyPlan(input, plan);
  const a = forecastState(changed.state, changed.profile, settings);
  const nowS = input.state.nowS;
  const startsB = new Map(b.jobs.map((j) => [j.jobId, j.startS]));
  const startsA = new Map(a.jobs.map((j) => [j.jobId, j.startS]));
  const jobs = new Map<string, WhatIfJobWire>();
  const add = (id: string, queue: string): void => {
    if (jobs.has(id)) return;
    const beforeStartS = startsB.get(id);
    const afterStartS = startsA.get(id);
    jobs.set(id, {
      id,
      queue,
      ...(beforeStartS !== undefined ? { beforeStartS } : {}),
      ...(afterStartS !== undefined ? { afterStartS } : {}),
    });
  };
  for (const p of input.state.pending) add(p.job.id, p.job.queue);
  for (const p of changed.state.pending) add(p.job.id, p.job.queue);
  const series = (f: ForecastWire): [number, number][] => f.utilization.map((u) => [u.tS, u.ratio]);
  return {
    before: summarize(input.state.pending, b, nowS),
    after: summarize(changed.state.pending, a, nowS),
    jobs: [...jobs.values()],
    utilization: { before: series(b), after: series(a) },
  };
}

/** When a job would start if submitted now, and why it would wait (the scheduler's reason at this instant). */
export function probe(
  input: TwinInput,
  job: Hypothetical,
  s: ForecastSettings,
): { forecast: ForecastWire; reason: string; message: string } {
  const state = { ...input.state, pending: [...input.state.pending, job.pending] };
  const forecast = forecastState(state, input.profile, { ...s, targets: [job.pending.job.id] });
  const cs = new ClusterState(state.topology);
  state.down?.forEach((d, i) => cs.setDown(i, d === 1));
  for (const r of state.running) {
    try {
      cs.start(r.job, r.assignments, r.runStartS, r.startS);
    } catch {
      // a running job the state cannot hold (e.g. on a node the view lost): the forecast has it anyway
    }
  }
  const d = decide(
    cs,
    state.pending.map((p) => p.job),
    resolveDesc(input.profile),
    { nowS: state.nowS },
  );
  const id = job.pending.job.id;
  if (d.placements.some((p) => p.jobId === id)) return { forecast, reason: "SCHEDULED", message: "would start now" };
  const e = d.explanations.find((x) => x.jobId === id);
  return { forecast, reason: e?.reason ?? "PENDING", message: e?.message ?? "would wait in the queue" };
}

/** One unit of work for the twin's worker. */
export type TwinTask =
  | { readonly kind: "forecast"; readonly state: TwinState; readonly profile: ProfileDesc; readonly settings: ForecastSettings }
  | {
      readonly kind: "whatif";
      readonly input: TwinInput;
      readonly plan: WhatIfPlan;
      readonly settings: ForecastSettings;
      readonly before?: ForecastWire;
    }
  | { readonly kind: "probe"; readonly input: TwinInput; readonly job: Hypothetical; readonly settings: ForecastSettings };

export function runTask(task: TwinTask): unknown {
  if (task.kind === "forecast") return forecastState(task.state, task.profile, task.settings);
  if (task.kind === "whatif") return whatIf(task.input, task.plan, task.settings, task.before);
  return probe(task.input, task.job, task.settings);
}
