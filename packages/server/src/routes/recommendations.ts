import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { InvalidInputError, type ClusterModel, type JobSpec, type Placement } from "@aidc/core";
import {
  recommend,
  withForecasts,
  type ForecastSummary,
  type Recommendation,
  type ArtifactView,
  type FilesystemView,
  type JobUtilization,
  type JobView,
  type PlacementCandidate,
  type PolicyReplay,
  type ProjectUsage,
  type QueueView,
  type RecommendationSnapshot,
  type RunEstimate,
} from "@aidc/observability";
import { DEFAULT_ASSUMPTIONS, PlannerEstimator } from "@aidc/planner";
import { resolvePolicy } from "@aidc/scheduler";
import { runScenario, scenarioSetup } from "@aidc/simulator";
import { principalOf } from "../auth.js";
import type { ServerContext } from "../context.js";
import type { JobRecord } from "../store/jobs.js";
import { planOf } from "../twin/changes.js";
import { twinFor } from "../twin/live.js";
import { historyTrace } from "./simulations.js";

/** Policies the replay compares with the current one. */
export const REPLAY_POLICIES = ["fifo", "sjf", "backfill-easy", "backfill-conservative"] as const;
const WEEK_S = 7 * 86_400;
const MAX_REPLAY_JOBS = 2000;
/** A replay is reused while the finished jobs and the policy are unchanged, for at most this long. */
const REPLAY_TTL_MS = 600_000;
const MAX_PLANNED_JOBS = 20;
const UTILIZATION_WINDOW_S = 3600;
/** Proposed changes forecast per request (one what-if each, on the twin's worker, one at a time). */
const MAX_FORECAST_CHANGES = 8;

function jobView(j: JobRecord, canonical: (gpuType: string) => string): JobView {
  const byNode = new Map<string, number>();
  for (const t of j.placement?.tasks ?? []) byNode.set(t.node, (byNode.get(t.node) ?? 0) + t.gpuIndices.length);
  return {
    id: j.id,
    name: j.name,
    queue: j.queue,
    state: j.state as JobView["state"],
    gang: j.spec.gang,
    tasks: j.spec.tasks.map((t) => ({
      replicas: t.replicas,
      gpus: t.resources.gpus,
      ...(t.resources.gpuMilli !== undefined ? { gpuMilli: t.resources.gpuMilli } : {}),
      ...(t.resources.gpuType !== undefined ? { gpuType: canonical(t.resources.gpuType) } : {}),
    })),
    submittedAtMs: j.submittedAtMs,
    ...(j.startedAtMs !== undefined ? { startedAtMs: j.startedAtMs } : {}),
    ...(j.placement !== undefined ? { placement: [...byNode].map(([node, gpus]) => ({ node, gpus })) } : {}),
  };
}

function utilization(ctx: ServerContext, nowMs: number): JobUtilization[] {
  if (ctx.observe === undefined) return [];
  const r = ctx.observe.query("aidc_job_gpu_utilization_ratio", nowMs - UTILIZATION_WINDOW_S * 1000, nowMs, {});
  const byJob = new Map<string, [number, number][]>();
  for (const s of r.series) {
    const id = s.labels["job"];
    if (id !== undefined) byJob.set(id, [...(byJob.get(id) ?? []), ...s.points]);
  }
  return [...byJob].map(([jobId, points]) => ({ jobId, points: points.sort((a, b) => a[0] - b[0]) }));
}

function filesystems(ctx: ServerContext, nowMs: number): FilesystemView[] {
  if (ctx.observe === undefined) return [];
  const latest = ctx.observe.series.latest(nowMs);
  const key = (l: Record<string, string>): string => `${l["node"] ?? ""}|${l["mountpoint"] ?? ""}`;
  const sizes = new Map(latest.filter((s) => s.metric === "aidc_node_filesystem_size_bytes").map((s) => [key(s.labels), s.value]));
  return latest
    .filter((s) => s.metric === "aidc_node_filesystem_used_ratio")
    .map((s) => {
      const size = sizes.get(key(s.labels));
      return {
        node: s.labels["node"] ?? "",
        mountpoint: s.labels["mountpoint"] ?? "",
        usedRatio: s.value,
        ...(size !== undefined ? { sizeBytes: size } : {}),
      };
    });
}

async function projects(ctx: ServerContext, artifacts: readonly ArtifactView[]): Promise<ProjectUsage[]> {
  const quotas = await ctx.store.artifacts.quotas();
  const names = [...new Set([...quotas.keys(), ...artifacts.map((a) => a.project)])].sort();
  const used = await Promise.all(names.map((project) => ctx.store.artifacts.usedBytes(project)));
  return names.map((project, i) => {
    const maxBytes = quotas.get(project);
    return { project, usedBytes: used[i] ?? 0, ...(maxBytes !== undefined ? { maxBytes } : {}) };
  });
}

const fakePlacement = (gpus: number): Placement => ({
  tasks: [{ task: "main", replica: 0, node: "what-if", gpuIndices: Array.from({ length: gpus }, (_, i) => i) }],
});
const withGpuType = (spec: JobSpec, gpuType: string): JobSpec => ({
  ...spec,
  tasks: spec.tasks.map((t) => ({ ...t, resources: { ...t.resources, gpuType } })),
});

/**
 * Planner estimates for jobs whose spec names a gpuType and whose labels (or built-in workload) name the
 * model and work: as submitted, on every other accelerator of this cluster (or of the whole catalog), and
 * on half and twice the GPUs.
 */
const estimateCache = new WeakMap<ServerContext, Map<string, PlacementCandidate | null>>();

function placements(ctx: ServerContext, jobs: readonly JobRecord[], wholeCatalog: boolean): PlacementCandidate[] {
  const estimator = new PlannerEstimator(ctx.catalog);
  // specs are immutable and the planner deterministic: a job's comparison is computed once (a 64-GPU job costs ~0.5 s over the catalog)
  let cache = estimateCache.get(ctx);
  if (cache === undefined || cache.size > 10_000) estimateCache.set(ctx, (cache = new Map()));
  const inCluster = new Set(ctx.cluster.nodes.map((n) => n.accelerator).filter((a): a is string => a !== undefined));
  const types = wholeCatalog ? ctx.catalog.accelerators.map((a) => a.id) : [...inCluster];
  const out: PlacementCandidate[] = [];
  for (const j of jobs) {
    if (out.length >= MAX_PLANNED_JOBS) break;
    const key = `${j.id}|${wholeCatalog}`;
    const cached = cache.get(key);
    if (cached !== undefined) {
      if (cached !== null) out.push(cached);
      continue;
    }
    cache.set(key, null);
    const named = j.spec.tasks.find((t) => t.resources.gpuType !== undefined)?.resources.gpuType;
    const gpus = j.spec.tasks.reduce((s, t) => s + t.replicas * t.resources.gpus, 0);
    if (named === undefined || gpus < 1) continue;
    const found = ctx.catalog.lookup(named, "Accelerator");
    if (!found.found) continue;
    const run = (gpuType: string, n: number): RunEstimate | undefined => {
      const e = estimator.estimate(withGpuType(j.spec, gpuType), fakePlacement(n));
      return e === undefined ? undefined : { gpuType, gpus: n, durationS: e.durationS, basis: e.basis, inCluster: inCluster.has(gpuType) };
    };
    const current = run(found.item.id, gpus);
    if (current === undefined) continue;
    const alternatives = [
      ...types.filter((t) => t !== found.item.id).map((t) => run(t, gpus)),
      ...[gpus / 2, gpus * 2].filter((n) => Number.isInteger(n) && n >= 1).map((n) => run(found.item.id, n)),
    ].filter((e): e is RunEstimate => e !== undefined);
    const candidate = { jobId: j.id, jobName: j.name, current, alternatives, usdPerGpuHour: DEFAULT_ASSUMPTIONS.usdPerGpuHour };
    cache.set(key, candidate);
    out.push(candidate);
  }
  return out;
}

/** Replay the finished jobs of the last week on this cluster under the current policy and a few others. */
export function policyReplays(
  cluster: ClusterModel,
  finished: readonly JobRecord[],
  current: string,
  nowMs: number,
): { current: string; replays: PolicyReplay[]; windowS: number } {
  const recent = finished
    .filter((j) => j.startedAtMs !== undefined && j.finishedAtMs !== undefined && j.finishedAtMs >= nowMs - WEEK_S * 1000)
    .slice(-MAX_REPLAY_JOBS);
  const trace = historyTrace(recent);
  if (trace.length === 0) return { current, replays: [], windowS: WEEK_S };
  const setup = scenarioSetup({ model: cluster });
  const replays: PolicyReplay[] = [];
  for (const name of [...new Set([current, ...REPLAY_POLICIES])]) {
    const r = runScenario({ cluster: { setup }, scheduler: { policy: name }, trace, seed: 1 });
    if (!r.ok) continue;
    const m = r.value.metrics;
    replays.push({ policy: name, jobs: m.jobs, avgQueueS: m.avgQueueS, avgJctS: m.avgJctS });
  }
  return { current, replays, windowS: WEEK_S };
}

const replayCache = new WeakMap<ServerContext, { key: string; atMs: number; value: ReturnType<typeof policyReplays> }>();

/** policyReplays on the store's finished jobs, cached: replays of 2,000 jobs under five policies take about a second. */
async function cachedReplays(ctx: ServerContext, current: string, nowMs: number): Promise<ReturnType<typeof policyReplays>> {
  const finished = await ctx.store.jobs.list({ states: ["succeeded", "failed", "cancelled"], limit: 200_000 });
  const last = finished.reduce((m, j) => Math.max(m, j.finishedAtMs ?? 0), 0);
  const key = `${current}|${finished.length}|${last}`;
  const hit = replayCache.get(ctx);
  if (hit !== undefined && hit.key === key && nowMs - hit.atMs < REPLAY_TTL_MS) return hit.value;
  const value = policyReplays(ctx.cluster, finished, current, nowMs);
  replayCache.set(ctx, { key, atMs: nowMs, value });
  return value;
}

/** The cluster file's queues with their quotas, cohorts and the partition and GPU types their jobs run on. */
export function queueViews(cluster: ClusterModel): QueueView[] {
  const fallback = cluster.partitions.find((p) => p.default)?.name;
  return cluster.queues.map((q) => {
    const partition = q.partition ?? fallback;
    const nodes = cluster.nodes.filter((n) => partition === undefined || n.partitions.includes(partition));
    const gpuTypes = [...new Set(nodes.filter((n) => n.gpus > 0).map((n) => n.accelerator))].filter((a): a is string => a !== undefined);
    return {
      name: q.name,
      ...(q.quota.gpus !== undefined ? { quotaGpus: q.quota.gpus } : {}),
      ...(q.cohort !== undefined ? { cohort: q.cohort } : {}),
      ...(q.borrowingLimit?.gpus !== undefined ? { borrowingLimitGpus: q.borrowingLimit.gpus } : {}),
      ...(partition !== undefined ? { partition } : {}),
      ...(gpuTypes.length > 0 ? { gpuTypes: gpuTypes.sort() } : {}),
    };
  });
}

/** Everything the recommendation rules read, gathered from the store, the scheduler, the series, the planner and the simulator. */
export async function recommendationSnapshot(
  ctx: ServerContext,
  o: { wholeCatalog?: boolean; policy?: string } = {},
): Promise<RecommendationSnapshot> {
  const nowMs = ctx.now();
  const canonical = (t: string): string => {
    const r = ctx.catalog.lookup(t, "Accelerator");
    return r.found ? r.item.id : t;
  };
  const cordons = await ctx.store.nodes.cordons();
  const live = await ctx.store.jobs.list({ states: ["pending", "admitted", "running"], limit: 100_000 });
  const artifacts: ArtifactView[] = (await ctx.store.artifacts.list()).map((a) => ({
    id: a.id,
    project: a.project,
    name: a.name,
    version: a.version,
    sizeBytes: a.sizeBytes,
    tier: a.tier,
    createdAtMs: a.createdAtMs,
  }));
  return {
    nowMs,
    nodes: ctx.cluster.nodes.map((n) => ({
      name: n.name,
      gpus: n.gpus,
      ...(n.accelerator !== undefined ? { accelerator: n.accelerator } : {}),
      ...(n.system !== undefined ? { system: n.system } : {}),
      rack: n.rack,
      partitions: n.partitions,
      cordoned: cordons.has(n.name),
    })),
    freeGpus: Object.fromEntries(ctx.freeGpus()),
    jobs: live.map((j) => jobView(j, canonical)),
    queues: queueViews(ctx.cluster),
    utilization: utilization(ctx, nowMs),
    projects: await projects(ctx, artifacts),
    artifacts,
    filesystems: filesystems(ctx, nowMs),
    placements: placements(ctx, live, o.wholeCatalog ?? false),
    policy: await cachedReplays(ctx, o.policy ?? ctx.policy ?? "backfill-easy", nowMs),
  };
}

/**
 * Forecast each recommendation's proposed change on the live queue with the twin's what-if; a change that
 * gains nothing is dropped, the others carry their forecast (withForecasts). When the twin cannot forecast
 * yet (no scheduling pass), the recommendations are shown as they are.
 */
export async function forecastRecommendations(
  ctx: ServerContext,
  recs: readonly Recommendation[],
  user: string,
): Promise<Recommendation[]> {
  const proposing = recs.filter((r) => r.change !== undefined).slice(0, MAX_FORECAST_CHANGES);
  if (proposing.length === 0 || ctx.twinView === undefined) return [...recs];
  const twin = twinFor(ctx);
  const forecasts = new Map<string, { before: ForecastSummary; after: ForecastSummary }>();
  // the loop's last pass, not the twin's cached fork: the rules just read the store, the forecast must see the same queue
  const input = await twin.input();
  if (input === undefined) return [...recs];
  for (const r of proposing) {
    const { plan } = planOf(r.change ?? {}, { input, catalog: ctx.catalog, predictor: twin.predictor, visibleJob: () => false, user });
    // a change the what-if refuses (e.g. a queue the cluster file lost) is not forecast; the rule's evidence stands
    if (plan === undefined) continue;
    try {
      const w = await twin.whatIf(input, plan);
      forecasts.set(r.id, { before: w.before, after: w.after });
    } catch {
      // the twin is busy with other forecasts: leave this one unverified
    }
  }
  return withForecasts(recs, forecasts);
}

export function recommendationRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/recommendations",
      {
        schema: {
          tags: ["observe"],
          summary: "Recommendations from the live state, the simulator and the planner, each with evidence and expected gain",
          querystring: z.object({
            catalog: z.enum(["true", "false"]).optional().describe("also compare jobs with accelerators this cluster does not have"),
            policy: z.string().min(1).optional().describe("the policy to compare others with (default: the one the server runs)"),
          }),
        },
      },
      async (req) => {
        const principal = principalOf(req);
        const policy = req.query.policy;
        if (policy !== undefined) {
          const r = resolvePolicy(policy, {}, undefined, "policy");
          if (!r.ok) throw new InvalidInputError(`Unknown policy "${policy}"`, r.issues);
        }
        const snapshot = await recommendationSnapshot(ctx, {
          wholeCatalog: req.query.catalog === "true",
          ...(policy !== undefined ? { policy } : {}),
        });
        const recommendations = await forecastRecommendations(ctx, recommend(snapshot), principal.user);
        return { recommendations, generatedAtMs: snapshot.nowMs };
      },
    );
  };
}
