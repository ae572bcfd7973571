import { AidcError, type JobSpec } from "@aidc/core";
import { resolvePolicy } from "@aidc/scheduler";
import { queueQuotas, type JobForecast } from "@aidc/simulator";
import type { ServerContext } from "../context.js";
import type { JobRecord } from "../store/jobs.js";
import { LiveBands } from "./calibration.js";
import { dependencyForecasts, type Timed } from "./deps.js";
import { forecastView, type JobForecastView } from "./message.js";
import { hypothetical } from "./hypothetical.js";
import { LivePredictor, gpusOf } from "./predict.js";
import { describeProfile, type ProfileDesc } from "./profile.js";
import { twinInput } from "./snapshot.js";
export type { JobForecastView } from "./message.js";
import type { ForecastWire, Hypothetical, TwinInput, TwinView, WhatIfPlan, WhatIfWire } from "./types.js";
import { TwinWorker } from "./worker.js";

export interface LiveTwinOptions {
  /** Least milliseconds between two forecasts of the live state (default 5000). */
  readonly cadenceMs?: number;
  /** A forecast older than this is redone even when nothing changed (running jobs age; default 60000). */
  readonly maxAgeMs?: number;
  /** Most sampled runs for the start bands (default 16; fewer when one run is slow, see `budgetMs`). */
  readonly samples?: number;
  /** Wall time a live forecast should take at most: sampled runs are cut to fit (at least 3; default 20000). */
  readonly budgetMs?: number;
}

interface Cached {
  readonly input: TwinInput;
  readonly forecast: ForecastWire;
  readonly signature: number;
  readonly byId: ReadonlyMap<string, JobForecast>;
  /** What each queued job's run-time prediction rests on. */
  readonly basis: ReadonlyMap<string, string>;
  /** Jobs waiting for dependencies: start after their dependencies' forecast end. */
  readonly deps: ReadonlyMap<string, Timed>;
  readonly computedAtMs: number;
}

function hash(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** What changes a forecast: the jobs running and queued (with their priority), cordons, the history the predictors learned. */
function signatureOf(view: TwinView, learned: number): number {
  let h = hash(2166136261, String(learned));
  for (const r of view.running) h = hash(h, r.id);
  h = hash(h, "|");
  for (const p of view.pending) if (!view.blocked.has(p.id)) h = hash(h, `${p.id}:${p.priority}`);
  view.down.forEach((d, i) => {
    if (d === 1) h = hash(h, `d${i}`);
  });
  return h;
}

/**
 * The live digital twin: forks the scheduling loop's last view (running jobs with their predicted
 * remaining time, the queue, cordons, quotas) and forecasts it forward with the live profile, on a
 * worker thread, at most every `cadenceMs` and only when something changed. Explanations read the
 * cached forecast; submit --test-only and what-ifs fork the same state with their changes.
 */
export class LiveTwin {
  readonly predictor: LivePredictor;
  /** Background forecasts of the live state, and requests (test-only, what-if): one never waits for the other. */
  private readonly worker = new TwinWorker();
  private readonly requests = new TwinWorker();
  private samples: number;
  private readonly maxSamples: number;
  private readonly budgetMs: number;
  private lastForecastMs = 0;
  private readonly bands = new LiveBands();
  private cache: Cached | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private seq = 0;
  private readonly cadenceMs: number;
  private readonly maxAgeMs: number;
  private readonly profile: ProfileDesc;

  constructor(
    private readonly ctx: ServerContext,
    o: LiveTwinOptions = {},
  ) {
    this.predictor = new LivePredictor(ctx.store.jobs, ctx.catalog, ctx.cluster);
    this.cadenceMs = o.cadenceMs ?? 5000;
    this.maxAgeMs = o.maxAgeMs ?? 60_000;
    this.maxSamples = o.samples ?? 16;
    this.samples = this.maxSamples;
    this.budgetMs = o.budgetMs ?? 20_000;
    let live = ctx.profile;
    if (live === undefined) {
      const r = resolvePolicy(ctx.policy ?? "backfill-easy", { quotas: queueQuotas(ctx.cluster) });
      if (!r.ok) throw new AidcError("BAD_PROFILE", `Cannot forecast: policy "${ctx.policy}" does not resolve`);
      live = r.value;
    }
    this.profile = describeProfile(live);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.cadenceMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([this.worker.close(), this.requests.close()]);
  }

  /** The live state now, as the twin's input (undefined before the loop's first pass). */
  async input(): Promise<TwinInput | undefined> {
    const view = this.ctx.twinView?.();
    if (view === undefined) return undefined;
    await this.learn();
    return (await this.forkOf(view)).input;
  }

  private learn(): Promise<void> {
    return this.predictor.learn((id) => this.ctx.store.jobs.get(id));
  }

  /** The twin's input from the loop's view; the active jobs' records are read once (the view holds the pending ones). */
  private async forkOf(view: TwinView): Promise<{ input: TwinInput; active: JobRecord[] }> {
    const active = await this.ctx.store.jobs.list({ states: ["admitted", "running"], limit: 1_000_000 });
    const byId = new Map(active.map((j) => [j.id, j]));
    const input = twinInput(view, {
      predictor: this.predictor,
      catalog: this.ctx.catalog,
      model: this.ctx.cluster,
      profile: this.profile,
      get: (id) => byId.get(id),
    });
    return { input, active };
  }

  /** After a scheduling pass: forecast soon if the cadence allows (errors are the next refresh's to report). */
  poke(): void {
    // not inside the pass that called: the fork is built on a later turn of the event loop
    setImmediate(() => void this.refresh().catch(() => undefined)).unref();
  }

  /** Forecast the live state again when it changed (or the last forecast is old); one at a time. */
  refresh(force = false): Promise<void> {
    this.refreshing ??= this.recompute(force).finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async recompute(force: boolean): Promise<void> {
    const age = this.ctx.now() - (this.cache?.computedAtMs ?? 0);
    if (!force && age < this.cadenceMs * 0.8) return; // at most one forecast per cadence; the timer comes back
    const view = this.ctx.twinView?.();
    if (view === undefined) return;
    await this.learn();
    const signature = signatureOf(view, this.predictor.observed);
    if (!force && this.cache?.signature === signature && age < this.maxAgeMs) return;
    const { input, active: listed } = await this.forkOf(view);
    const t0 = performance.now();
    const samples = this.samples;
    const forecast = await this.worker.run<ForecastWire>({
      kind: "forecast",
      state: input.state,
      profile: input.profile,
      settings: { samples },
    });
    // a big cluster's run takes seconds: take as many sampled runs as fit the budget
    this.lastForecastMs = performance.now() - t0;
    const perRunMs = this.lastForecastMs / (samples + 1);
    this.samples = Math.max(3, Math.min(this.maxSamples, Math.floor(this.budgetMs / Math.max(1, perRunMs)) - 1));
    const byId = new Map(this.bands.update(view, forecast.jobs, input.state.nowS).map((j) => [j.jobId, j]));
    const active = [...view.records.values(), ...listed];
    const deps = dependencyForecasts(input, byId, view.blocked, active, (r) => this.predictor.predict(r, gpusOf(r.spec)));
    const basis = new Map(input.state.pending.map((p) => [p.job.id, p.runtime.basis]));
    this.cache = { input, forecast, signature, byId, basis, deps, computedAtMs: this.ctx.now() };
  }

  /** The cached forecast (undefined until the first one is done). */
  get current(): Cached | undefined {
    return this.cache;
  }

  /** A pending job's forecast from the cache; `canSee` says whether the caller may see a job named in it. */
  async forecastOf(id: string, canSee: (job: JobRecord | undefined) => boolean): Promise<JobForecastView | undefined> {
    const c = this.cache;
    if (c === undefined) return undefined;
    const nowMs = this.ctx.now();
    const dep = c.deps.get(id);
    if (dep !== undefined) return this.view(dep, c.computedAtMs, nowMs, canSee, "its dependency");
    const f = c.byId.get(id);
    const basis = c.basis.get(id);
    if (f?.startS === undefined || basis === undefined) return undefined;
    const timed: Timed = {
      startS: f.startS,
      ...(f.endS !== undefined ? { endS: f.endS } : {}),
      bandS: f.startBandS ?? [f.startS, f.startS],
      ...(f.after !== undefined ? { after: f.after } : {}),
      basis,
    };
    return this.view(timed, c.computedAtMs, nowMs, canSee, "job");
  }

  private async view(
    t: Timed,
    computedAtMs: number,
    nowMs: number,
    canSee: (job: JobRecord | undefined) => boolean,
    what: string,
  ): Promise<JobForecastView> {
    const hidden = t.after !== undefined && !canSee(await this.ctx.store.jobs.get(t.after));
    return forecastView(t, { computedAtMs, nowMs, hidden, what });
  }

  /** The live state now (the cached input when it is fresh). */
  private async fresh(): Promise<TwinInput> {
    const c = this.cache;
    // the cached fork while the loop sees the same jobs (running jobs' elapsed time moves on: at most maxAgeMs)
    const view = this.ctx.twinView?.();
    const same = c !== undefined && view !== undefined && c.signature === signatureOf(view, this.predictor.observed);
    const input = same && this.ctx.now() - c.computedAtMs < this.maxAgeMs ? c.input : await this.input();
    if (input === undefined) throw new AidcError("NOT_READY", "Cannot forecast yet: the scheduler has not made its first pass");
    return input;
  }

  private guard(): void {
    if (this.requests.busy >= 4) throw new AidcError("RATE_LIMITED", "The twin is busy with other forecasts; retry in a few seconds");
  }

  /** When a job would start if submitted now (nothing is stored). */
  async probe(spec: JobSpec, user: string): Promise<{ forecast?: JobForecastView; reason: string; message: string }> {
    this.guard();
    const input = await this.fresh();
    const s = input.state;
    const job: Hypothetical = hypothetical(spec, {
      id: `test-only-${++this.seq}`,
      user,
      nowS: s.nowS,
      seq: s.pending.length + s.running.length + 1,
      topology: s.topology,
      model: input.model,
      catalog: this.ctx.catalog,
      predictor: this.predictor,
    });
    const r = await this.requests.run<{ forecast: ForecastWire; reason: string; message: string }>({
      kind: "probe",
      input,
      job,
      settings: { samples: this.samples },
    });
    const f = r.forecast.jobs.find((j) => j.jobId === job.pending.job.id);
    if (f?.startS === undefined) return { reason: r.reason, message: `${r.message}; does not start within the forecast horizon` };
    const timed: Timed = {
      startS: f.startS,
      ...(f.endS !== undefined ? { endS: f.endS } : {}),
      bandS: f.startBandS ?? [f.startS, f.startS],
      ...(f.after !== undefined ? { after: f.after } : {}),
      basis: job.pending.runtime.basis,
    };
    return {
      forecast: await this.view(timed, this.ctx.now(), this.ctx.now(), (j) => j?.user === user, "job"),
      reason: r.reason,
      message: r.message,
    };
  }

  /** Forecast before and after a plan (`before` from the cache when it is the current state). */
  async whatIf(input: TwinInput, plan: WhatIfPlan): Promise<WhatIfWire> {
    this.guard();
    const c = this.cache;
    const reuse = c !== undefined && c.input === input && plan.horizonS === undefined ? c.forecast : undefined;
    // starts only (the p50 runs): no sampled runs
    return this.requests.run<WhatIfWire>({ kind: "whatif", input, plan, settings: { samples: 0 }, ...(reuse ? { before: reuse } : {}) });
  }

  /** The state a what-if starts from. */
  whatIfInput(): Promise<TwinInput> {
    return this.fresh();
  }
}

const TWINS = new WeakMap<ServerContext, LiveTwin>();

/** The one live twin of a server (started on first use, stopped with the app). */
export function twinFor(ctx: ServerContext): LiveTwin {
  let t = TWINS.get(ctx);
  if (t === undefined) {
    t = new LiveTwin(ctx);
    TWINS.set(ctx, t);
    t.start();
  }
  return t;
}
