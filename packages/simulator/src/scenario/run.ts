import type { Checked, ClusterModel } from "@aidc/core";
import type { QueueQuota, ResolvedProfile } from "@aidc/scheduler";
import { clusterFromModel } from "../clusters/from-model.js";
import { clusterPreset, partitionEntitlements, type ClusterSetup, type PresetName } from "../clusters/presets.js";
import { simulate, type SimOptions, type SimResult } from "../engine/simulate.js";
import { computeMetrics, type SimMetrics } from "../report/metrics.js";
import type { TraceJob } from "../types.js";
import { scenarioProfile, type ScenarioProfile } from "./profile.js";

/** A cluster set up for simulation, with the queue quotas (and cohorts) its file declares. */
export type ScenarioSetup = ClusterSetup & { readonly quotas?: readonly QueueQuota[] };

/** A built-in preset, a cluster file's model, or a setup built already (e.g. to read a trace with its filter). */
export type ScenarioCluster = { readonly preset: PresetName } | { readonly model: ClusterModel } | { readonly setup: ScenarioSetup };

export interface ScenarioInput {
  readonly cluster: ScenarioCluster;
  /** Multiplies every partition's node count (presets) or replicates the nodes (models), rounded up; default 1. */
  readonly nodeScale?: number;
  readonly scheduler: ScenarioProfile;
  readonly trace: readonly TraceJob[];
  /** Default 1. */
  readonly seed?: number;
  readonly sim?: Omit<SimOptions, "seed">;
  /** Prefix of issue paths (a file name, `--policy`, `policies[1]`). */
  readonly issuePath?: string;
  /** Wall clock in milliseconds (the caller's port; the simulator reads no clock). Without it wallS is 0. */
  readonly wallMs?: () => number;
}

export interface ScenarioOutcome {
  readonly metrics: SimMetrics;
  readonly result: SimResult;
  /** Wall time of the replay itself (seconds). */
  readonly wallS: number;
  readonly profile: ResolvedProfile;
  readonly setup: ScenarioSetup;
  readonly entitlements: Readonly<Record<string, number>>;
}

/** The setup of a scenario's cluster (callers that read a Philly trace need its filter first). */
export function scenarioSetup(cluster: ScenarioCluster, nodeScale = 1): ScenarioSetup {
  if ("setup" in cluster) return cluster.setup;
  if ("preset" in cluster) return clusterPreset(cluster.preset, nodeScale);
  return clusterFromModel(cluster.model, nodeScale);
}

/**
 * Each queue's entitled share of the GPUs, one rule for every entry point: with quotas, a queue's nominal
 * GPUs over the sum of all nominal GPUs; without, its partition's share of the cluster (queues named like
 * partitions, as the Helios VCs are); `{}` when neither applies.
 */
export function scenarioEntitlements(setup: ScenarioSetup, profile: ResolvedProfile): Record<string, number> {
  const quotas = [...profile.args.quotas.values()];
  const total = quotas.reduce((a, q) => a + q.nominalGpus, 0);
  if (total > 0) return Object.fromEntries(quotas.map((q) => [q.queue, q.nominalGpus / total]));
  return partitionEntitlements(setup.topology);
}

/**
 * Replay a trace on a cluster under a scheduler profile: the one orchestration behind `aidc sim run/compare`,
 * `POST /api/v1/simulations`, the recommendations' policy replays and the what-if.
 *
 * Quotas: a profile that declares quotas uses them, otherwise the cluster file's queue quotas (and cohorts)
 * apply through the quota plugin, as in `aidc serve` (see scenarioProfile). Entitlements in the metrics
 * follow the quotas in force (scenarioEntitlements). Randomized plugins draw from a stream seeded by `seed`.
 */
export function runScenario(input: ScenarioInput): Checked<ScenarioOutcome> {
  const setup = scenarioSetup(input.cluster, input.nodeScale ?? 1);
  const resolved = scenarioProfile(input.scheduler, setup.quotas ?? [], input.issuePath);
  if (!resolved.ok) return resolved;
  const profile = resolved.value;
  const t0 = input.wallMs?.() ?? 0;
  const result = simulate(input.trace, setup.topology, profile, setup.partitionOf, { ...input.sim, seed: input.seed ?? 1 });
  const wallS = ((input.wallMs?.() ?? 0) - t0) / 1000;
  const entitlements = scenarioEntitlements(setup, profile);
  const metrics = computeMetrics(profile.name, result, entitlements);
  return { ok: true, value: { metrics, result, wallS, profile, setup, entitlements } };
}
