import { AidcError, type ClusterModel, type Executor, type JobEvent, type Logger, type Placement } from "@aidc/core";
import type { ClusterState, RunningJob, SchedCluster, Topology } from "@aidc/scheduler";
import { applyDecisions, decide, remainingAt, type Explanation, type ResolvedProfile, type SchedJob } from "@aidc/scheduler";
import type { JobRecord } from "../store/jobs.js";
import type { EventStore, Fence, JobStore } from "../store/port.js";
import { clusterState, fromPlacement, schedJob, toPlacement } from "./cluster-state.js";
import { RetryHolds } from "./retry-holds.js";
import { DRAIN_MARK } from "../node-state.js";

export interface LoopOptions {
  readonly jobs: JobStore;
  /** Nodes out of scheduling (cordoned), read at every pass. */
  readonly cordons: () => Promise<ReadonlyMap<string, string>>;
  /**
   * Proof of leadership that every job write of the loop carries (replicas: the scheduler lease);
   * undefined (or a function returning undefined): unfenced, as a single server runs. A write the
   * store refuses as FENCED ends the pass before the executor is asked to act on it.
   */
  readonly fence?: () => Fence | undefined;
  readonly executor: Executor;
  /** The jobs' events: a starting loop finds the retries still in their backoff there (absent: none are held after a restart). */
  readonly events?: Pick<EventStore, "list">;
  readonly cluster: ClusterModel;
  readonly profile: ResolvedProfile;
  readonly now: () => number;
  readonly log: Logger;
  /** Milliseconds to wait after a change before a pass, so bursts share one (default 20). */
  readonly batchMs?: number;
  /** Called once a job's run succeeded (e.g. to register the model a workload made). */
  readonly onSucceeded?: (job: JobRecord, runId: string) => Promise<void>;
  /** Resolve a gpuType alias to the catalog id the cluster's nodes carry (identity when absent). */
  readonly canonicalGpuType?: (name: string) => string;
  /** Predicted run time of a job in seconds (runtime predictors); undefined: the user's estimate or limit. */
  readonly estimateS?: (job: JobRecord) => number | undefined;
  /** Called after every pass that looked at pending jobs (the twin forecasts from here). */
  readonly afterPass?: () => void;
  /** Called when a pass ends (also a failed one): its wall time and the pending jobs it looked at (for /metrics). */
  readonly onPass?: (seconds: number, pendingJobs: number) => void;
}

/** The live state as the last pass saw it: what the digital twin forks. */
export interface TwinView {
  readonly nowS: number;
  readonly topology: Topology;
  readonly down: Uint8Array;
  readonly running: readonly RunningJob[];
  /** Every pending job, including those waiting for dependencies. */
  readonly pending: readonly SchedJob[];
  /** Pending jobs waiting for dependencies: the names they wait for (same user). */
  readonly blocked: ReadonlyMap<string, readonly string[]>;
  readonly records: ReadonlyMap<string, JobRecord>;
  readonly cluster: SchedCluster;
}

/** Why a job waits: the scheduler's explanation, or aidc's own (dependencies). */
export interface PendingReason {
  readonly reason: string;
  readonly message: string;
  readonly estimatedStartMs?: number;
}

const ACTIVE = ["admitted", "running"] as const;
/** Store writes between two turns of the event loop within one pass. */
const YIELD_EVERY_WRITES = 50;

/** The store refused a write because another replica leads now (FencedError, store/fence.ts). */
export function isFenced(err: unknown): boolean {
  return err instanceof AidcError && err.code === "FENCED";
}

type ApplyDetails = Parameters<JobStore["apply"]>[3];

/**
 * The live scheduling loop: reconcile (executor vs store) → snapshot → decide() → assume in the
 * store → executor start. The same decide() the simulator replays; only the wiring differs.
 */
export class SchedulingLoop {
  private state: ClusterState;
  private cluster: SchedCluster;
  /** What the last pass saw; twinView() turns it into a TwinView only when asked (off the pass's path). */
  private last:
    | {
        readonly nowS: number;
        readonly down: Uint8Array;
        readonly running: readonly RunningJob[];
        readonly byId: ReadonlyMap<string, { readonly job: JobRecord; readonly sched: SchedJob }>;
        readonly blocked: ReadonlyMap<string, readonly string[]>;
      }
    | undefined;
  private view: TwinView | undefined;
  private readonly canonical = new Map<string, string>();
  /** Preempted jobs' work left and service received, until they start again (in memory: a restart forgets it). */
  private readonly carried = new Map<string, { remainingS: number; attainedGpuS: number }>();
  private readonly reasons = new Map<string, PendingReason>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private soon: NodeJS.Timeout | undefined;
  private lock: Promise<void> = Promise.resolve();
  private lastPassMs = 0;
  private stopped = false;
  /** The last pass failed part-way: the in-memory state is rebuilt from the store before the next one. */
  private stale = false;
  private writes = 0;
  /** Jobs a pass requeued from drain-marked nodes, until the drain's caller asks (or the node is uncordoned). */
  private readonly drained = new Map<string, string[]>();
  /** Retried jobs not to be scheduled before their backoff has passed. */
  private readonly holds = new RetryHolds();
  private wake: NodeJS.Timeout | undefined;
  private rebuildHolds = false;

  constructor(private readonly o: LoopOptions) {
    ({ cluster: this.cluster, state: this.state } = clusterState(o.cluster));
  }

  /** Every job write of the loop goes through here, with the fence (when the loop has one). */
  private async apply(id: string, event: JobEvent, details: ApplyDetails = {}): Promise<JobRecord> {
    // SQLite answers with settled promises, so a pass of thousands of writes would never let timers or
    // requests run (the lease renewal among them): give the event loop a turn every few dozen writes
    if (++this.writes % YIELD_EVERY_WRITES === 0) await new Promise((resolve) => setImmediate(resolve));
    return this.o.jobs.apply(id, event, this.o.now(), details, this.o.fence?.());
  }

  private sched(job: JobRecord, seq: number, nowS: number): SchedJob {
    const estimateS = this.o.estimateS?.(job);
    const carried = this.carried.get(job.id);
    return schedJob(job, this.cluster, seq, nowS, {
      ...(carried !== undefined ? { carried } : {}),
      canonical: (name) => {
        let id = this.canonical.get(name);
        if (id === undefined) this.canonical.set(name, (id = this.o.canonicalGpuType?.(name) ?? name));
        return id;
      },
      ...(estimateS !== undefined ? { estimateS } : {}),
    });
  }

  /** The live state as the last pass saw it (undefined before the first pass). */
  twinView(): TwinView | undefined {
    const last = this.last;
    if (this.view === undefined && last !== undefined) {
      const entries = [...last.byId.values()];
      this.view = {
        nowS: last.nowS,
        topology: this.state.topology,
        down: last.down,
        running: last.running,
        pending: entries.map((x) => x.sched),
        blocked: last.blocked,
        records: new Map(entries.map((x) => [x.job.id, x.job])),
        cluster: this.cluster,
      };
    }
    return this.view;
  }

  /**
   * Rebuild the in-memory assumption from the store: after a restart nothing is double-booked.
   * Returns the admitted jobs whose start was interrupted: their run name was recorded at
   * admission, so `resume()` asks the executor to start that same run again (it adopts what was
   * started and starts only what is missing; a job is never started twice).
   */
  async recover(): Promise<JobRecord[]> {
    ({ cluster: this.cluster, state: this.state } = clusterState(this.o.cluster));
    const nowS = this.o.now() / 1000;
    const interrupted: JobRecord[] = [];
    for (const job of await this.o.jobs.list({ states: [...ACTIVE], limit: 1_000_000 })) {
      if (job.state === "admitted" && job.runId === undefined) {
        // admitted by a server that did not record a run name: nothing can have started, queue again
        await this.apply(job.id, "release", { message: "server restarted before the run started" });
        continue;
      }
      if (job.placement === undefined) continue;
      const sched = this.sched(job, 0, nowS);
      this.state.start(sched, fromPlacement(job.placement, sched, this.state), nowS);
      if (job.state === "admitted") interrupted.push(job);
    }
    // the retries still in their backoff are found at the first pass, from the pending jobs it lists anyway
    this.rebuildHolds = this.o.events !== undefined;
    return interrupted;
  }

  /** Finish the starts a crash interrupted, under the recorded run names. */
  private async resume(jobs: readonly JobRecord[]): Promise<void> {
    await this.launch(
      jobs.flatMap((job) =>
        job.runId === undefined || job.placement === undefined ? [] : [{ job, placement: job.placement, runId: job.runId }],
      ),
    );
  }

  /**
   * A pass's placements: every admission in one store transaction (with the run's name, before anything
   * starts), then the executor starts each run, then every start in one transaction. A job cancelled since
   * the pass listed it is not admitted and its assumption is forgotten; a start the executor refuses fails
   * that job alone. One transaction per step instead of two per job: on PostgreSQL a pass of a thousand
   * starts took seconds of commits.
   */
  private async startAll(runs: readonly { job: JobRecord; placement: Placement; runId: string }[]): Promise<void> {
    if (runs.length === 0) return;
    const admitted = await this.o.jobs.applyMany(
      runs.map((r) => ({ id: r.job.id, event: "admit" as const, details: { placement: r.placement, runId: r.runId } })),
      this.o.now(),
      this.o.fence?.(),
    );
    await this.launch(
      runs.filter((r, i) => {
        const outcome = admitted[i];
        if (outcome !== undefined && !("error" in outcome)) return true;
        // cancelled (or otherwise moved on) since this pass listed it: not admitted, nothing assumed
        this.state.stop(r.job.id);
        return false;
      }),
    );
  }

  /**
   * Ask the executor to start (or resume: it adopts what was started) admitted runs, then record every start
   * in one transaction; a start the executor refuses fails that job alone, never the pass or the server.
   */
  private async launch(runs: readonly { job: JobRecord; placement: Placement; runId: string }[]): Promise<void> {
    if (runs.length === 0) return;
    const started: { id: string; runId: string }[] = [];
    const failed: { id: string; message: string }[] = [];
    for (const r of runs) {
      if (++this.writes % YIELD_EVERY_WRITES === 0) await new Promise((resolve) => setImmediate(resolve));
      try {
        started.push({
          id: r.job.id,
          runId: (await this.o.executor.start(r.job.id, r.job.spec, r.placement, { runId: r.runId, user: r.job.user })).runId,
        });
      } catch (err) {
        // this loop's leadership term ended (the executor guard refused): the next pass or leader resumes the start
        if (isFenced(err)) throw err;
        this.state.stop(r.job.id);
        failed.push({ id: r.job.id, message: `could not start: ${err instanceof AidcError ? err.message : String(err)}` });
        this.o.log.warn({ job: r.job.id, err }, "executor failed to start a job");
      }
    }
    const changes = [
      ...started.map((x) => ({ id: x.id, event: "start" as const, details: { runId: x.runId } })),
      ...failed.map((x) => ({ id: x.id, event: "fail" as const, details: { message: x.message } })),
    ];
    const outcomes = await this.o.jobs.applyMany(changes, this.o.now(), this.o.fence?.());
    outcomes.forEach((o, i) => {
      if ("error" in o) this.o.log.warn({ job: changes[i]?.id, err: o.error }, "could not record a start");
      else this.reasons.delete(o.job.id);
    });
  }

  /** Whole free GPUs per node, as currently assumed. */
  freeGpus(): Map<string, number> {
    const t = this.state.topology;
    return new Map(t.nodeNames.map((name, i) => [name, this.state.nodeFreeGpus[i] ?? 0]));
  }

  explain(jobId: string): PendingReason | undefined {
    return this.reasons.get(jobId);
  }

  /** Run a pass soon (coalesces requests while one is running). */
  poke(): void {
    if (this.stopped) return; // a stopped loop (e.g. of an ended leadership term) runs no more passes
    if (this.running || this.soon) {
      this.again = this.running !== undefined;
      return;
    }
    // a burst of submissions shares one pass: wait a moment before running it, and at least twice
    // as long as the last pass took, so passes never take more than a third of the server's time
    this.soon = setTimeout(
      () => {
        this.soon = undefined;
        this.pass();
      },
      Math.max(this.o.batchMs ?? 20, 2 * this.lastPassMs),
    );
  }

  private pass(): void {
    const t0 = performance.now();
    this.running = this.tick()
      .catch((err: unknown) =>
        isFenced(err)
          ? this.o.log.warn({ err }, "scheduling pass ended: this replica no longer leads")
          : this.o.log.error({ err }, "scheduling pass failed"),
      )
      .finally(() => {
        this.lastPassMs = performance.now() - t0;
        this.o.onPass?.(this.lastPassMs / 1000, this.last?.byId.size ?? 0);
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** Rebuild from the store, finish interrupted starts, then pass every `intervalMs` and after every poke. */
  async start(intervalMs: number): Promise<void> {
    this.stopped = false;
    const interrupted = await this.recover();
    if (interrupted.length > 0)
      void this.exclusive(() => this.resume(interrupted)).catch((err: unknown) => this.o.log.error({ err }, "resuming starts failed"));
    this.timer = setInterval(() => this.poke(), intervalMs);
    this.timer.unref();
    this.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.soon = undefined;
    this.timer = undefined; // no backoff wake-up is set after this (see wakeForHolds)
    await this.running;
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
  }

  /** One pass; exposed for tests. */
  async tick(): Promise<void> {
    await this.exclusive(async () => {
      if (this.stale) {
        // the last pass stopped half-way (a refused write, a lost fence, a store error): what it assumed in
        // memory may not be in the store, so start again from the store, and finish the starts it admitted
        const interrupted = await this.recover();
        this.stale = false;
        await this.resume(interrupted);
      }
      try {
        await this.reconcile();
        await this.schedule();
      } catch (err) {
        this.stale = true;
        throw err;
      }
    });
  }

  private async reconcile(): Promise<void> {
    const { jobs, executor } = this.o;
    const active = (await jobs.list({ states: [...ACTIVE], limit: 1_000_000 })).filter((j) => j.runId !== undefined);
    const listed = new Map(active.map((j) => [j.id, j]));
    // cancelled in the store while a run may still be alive: stop it and free its GPUs
    for (const id of [...this.state.running.keys()]) {
      const job = listed.get(id) ?? (await jobs.get(id));
      if (job === undefined || job.state === "cancelled") {
        if (job?.runId) {
          await executor.cancel(job.runId);
          await this.release(job.runId);
        }
        this.state.stop(id);
      }
    }
    if (active.length === 0) return;
    const byRun = new Map(active.map((j) => [j.runId as string, j]));
    for (const run of await executor.status([...byRun.keys()])) {
      const job = byRun.get(run.runId);
      if (job === undefined || run.state === "running") continue;
      const now = this.o.now();
      const details = {
        ...(run.exitCode !== undefined ? { exitCode: run.exitCode } : {}),
        ...(run.message ? { message: run.message } : {}),
      };
      if (job.state === "admitted") await this.o.jobs.apply(job.id, "start", now, {}, this.o.fence?.());
      const event = run.state === "succeeded" ? "succeed" : run.state === "cancelled" ? "cancel" : "fail";
      await this.o.jobs.apply(job.id, event, now, details, this.o.fence?.());
      // a retry is decided with the failure, before the executor releases the run or anything else happens;
      // the job is back in the queue at once but not scheduled before its backoff has passed
      if (event === "fail" && job.attempts < job.spec.retries) {
        const retry = this.holds.plan(job, now);
        this.holds.hold(job.id, retry.untilMs);
        await this.apply(job.id, "retry", { message: retry.message });
      }
      if (this.state.running.has(job.id)) this.state.stop(job.id);
      if (event === "succeed" && this.o.onSucceeded) {
        await this.o
          .onSucceeded(job, run.runId)
          .catch((err: unknown) => this.o.log.error({ err, job: job.id }, "after-success step failed"));
      }
      await this.release(run.runId);
      this.o.log.info({ job: job.id, state: run.state, exitCode: run.exitCode }, "job finished");
    }
  }

  /** A finished run's working files go (its logs stay); a failure here is logged, never fatal. */
  private async release(runId: string): Promise<void> {
    await this.o.executor.release?.(runId).catch((err: unknown) => this.o.log.warn({ err, runId }, "could not release a run"));
  }

  /**
   * Pending jobs whose dependencies (by name, same user) have all succeeded. One query per user
   * with dependencies resolves all of them (the latest job of each name), so a pass costs the
   * same whether a job lists one dependency or the cluster's limit of them.
   */
  private async ready(pending: readonly JobRecord[], blocked: Map<string, readonly string[]>): Promise<JobRecord[]> {
    const wanted = new Map<string, Set<string>>();
    for (const job of pending) {
      if (job.spec.dependsOn.length === 0) continue;
      const names = wanted.get(job.user) ?? new Set<string>();
      for (const name of job.spec.dependsOn) names.add(name);
      wanted.set(job.user, names);
    }
    const latest = new Map<string, ReadonlyMap<string, string>>();
    for (const [user, names] of wanted) latest.set(user, await this.o.jobs.latestStates(user, [...names]));
    const out: JobRecord[] = [];
    for (const job of pending) {
      const states = latest.get(job.user);
      const missing = job.spec.dependsOn.filter((name) => states?.get(name) !== "succeeded");
      if (missing.length === 0) {
        out.push(job);
        continue;
      }
      blocked.set(job.id, missing);
      const named = missing.slice(0, 5).map((m) => `"${m}"`);
      if (missing.length > 5) named.push(`${missing.length - 5} more`);
      this.reasons.set(job.id, { reason: "DEPENDENCY", message: `waiting for ${named.join(", ")} to succeed` });
    }
    return out;
  }

  /** Take nodes in or out of scheduling as the store says; running jobs stay unless drained. */
  private async applyCordons(): Promise<void> {
    const cordons = await this.o.cordons();
    for (const node of this.drained.keys()) if (!cordons.has(node)) this.drained.delete(node);
    this.state.topology.nodeNames.forEach((name, i) => this.state.setDown(i, cordons.has(name)));
    // a drain another replica recorded (a follower has no loop) or one from before this leader's term: finish it here
    for (const [node, reason] of cordons) {
      const index = this.state.topology.nodeNames.indexOf(node);
      if (!reason.startsWith(DRAIN_MARK) || index < 0) continue;
      if ([...this.state.running.values()].some((r) => r.assignments.some((a) => a.node === index))) await this.drainNow(node);
    }
  }

  /**
   * Drain a node: it is cordoned already; its running jobs are stopped and go back to the queue
   * (preempt + requeue), to run elsewhere. Returns the ids of the requeued jobs.
   */
  async drain(node: string): Promise<string[]> {
    return this.exclusive(async () => {
      // a pass may have seen the drain's cordon first and requeued the node's jobs already: those count too
      const earlier = this.drained.get(node) ?? [];
      this.drained.delete(node);
      return [...new Set([...earlier, ...(await this.drainNow(node))])];
    });
  }

  /** Passes and drains never interleave: each waits for the previous one to finish. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async drainNow(node: string): Promise<string[]> {
    const index = this.state.topology.nodeNames.indexOf(node);
    const victims = [...this.state.running.values()].filter((r) => r.assignments.some((a) => a.node === index));
    for (const v of victims) {
      const job = await this.o.jobs.get(v.id);
      // the decision goes to the store first; only then does the executor stop the run
      if (job && (job.state === "running" || job.state === "admitted")) {
        await this.apply(job.id, "preempt", { message: `node ${node} drained` });
        await this.apply(job.id, "requeue");
      }
      if (job?.runId) await this.o.executor.cancel(job.runId);
      this.state.stop(v.id);
    }
    if (victims.length > 0) this.drained.set(node, [...(this.drained.get(node) ?? []), ...victims.map((v) => v.id)]);
    this.poke();
    return victims.map((v) => v.id);
  }

  /** A pass when the next retry backoff ends (the interval's passes would find it too, up to a tick later). */
  private wakeForHolds(nowMs: number): void {
    const next = this.holds.next();
    if (this.wake) clearTimeout(this.wake);
    this.wake = undefined;
    if (next === undefined || this.timer === undefined) return;
    this.wake = setTimeout(() => ((this.wake = undefined), this.poke()), Math.max(0, next - nowMs) + 5);
    this.wake.unref();
  }

  private async schedule(): Promise<void> {
    const { jobs, executor } = this.o;
    await this.applyCordons();
    const nowMs = this.o.now();
    const nowS = nowMs / 1000;
    const all = await jobs.list({ states: ["pending"], limit: 1_000_000, submissionOrder: true });
    const blocked = new Map<string, readonly string[]>();
    if (this.rebuildHolds && this.o.events) await this.holds.rebuild(all, this.o.events, nowMs);
    this.rebuildHolds = false;
    const held = this.holds.held(all, nowMs);
    for (const [id, why] of held) this.reasons.set(id, why);
    this.wakeForHolds(nowMs);
    const ready = new Set(await this.ready(held.size > 0 ? all.filter((j) => !held.has(j.id)) : all, blocked));
    const byId = new Map<string, { job: JobRecord; sched: SchedJob }>();
    all.forEach((job, i) => byId.set(job.id, { job, sched: this.sched(job, i, nowS) }));
    // the running set and cordons change after this pass: copy them now; the rest is built on demand
    this.last = { nowS, down: Uint8Array.from(this.state.down), running: [...this.state.running.values()], byId, blocked };
    this.view = undefined;
    if (ready.size === 0) return this.o.afterPass?.();
    const decisions = decide(
      this.state,
      [...byId.values()].filter((x) => ready.has(x.job)).map((x) => x.sched),
      this.o.profile,
      { nowS },
    );
    for (const e of decisions.explanations) this.reasons.set(e.jobId, toReason(e));
    // the simulator's reducer: preemptions release, placements assume; then the executor acts on it
    const applied = applyDecisions(
      this.state,
      decisions,
      (id) => byId.get(id)?.sched,
      nowS,
      (id) => {
        const started = byId.get(id)?.job.startedAtMs;
        return started === undefined ? undefined : started / 1000;
      },
    );
    for (const p of applied.preempted) {
      const run = p.job;
      this.carried.set(run.id, {
        remainingS: Math.max(0, remainingAt(run, nowS)) + p.penaltyS,
        attainedGpuS: run.attainedGpuS + (nowS - run.runStartS) * run.gpus,
      });
      const victim = await jobs.get(p.job.id);
      const reason = decisions.preemptions.find((x) => x.jobId === p.job.id)?.reason ?? "preempted";
      // the decision goes to the store first; only then does the executor stop the run
      if (victim) await this.apply(victim.id, "preempt", { message: reason });
      if (victim) await this.apply(victim.id, "requeue");
      if (victim?.runId) await executor.cancel(victim.runId);
    }
    await this.startAll(
      applied.started.flatMap((run) => {
        this.carried.delete(run.id);
        const entry = byId.get(run.id);
        if (entry === undefined) return [];
        // the run's name is deterministic and recorded with the admission, before anything starts
        return [
          {
            job: entry.job,
            placement: toPlacement(entry.job, run.assignments, this.state),
            runId: `${entry.job.id}.${entry.job.attempts}`,
          },
        ];
      }),
    );
    this.o.afterPass?.();
  }
}

function toReason(e: Explanation): PendingReason {
  return {
    reason: e.reason,
    message: e.message,
    ...(e.estimatedStartS !== undefined ? { estimatedStartMs: Math.round(e.estimatedStartS * 1000) } : {}),
  };
}
