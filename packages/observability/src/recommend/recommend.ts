import { capacityRule, CAPACITY_DEFAULTS, type CapacityThresholds } from "./capacity.js";
import { fragmentationRule, FRAGMENTATION_DEFAULTS, type FragmentationThresholds } from "./fragmentation.js";
import { gpuTypeRule, GPU_TYPE_DEFAULTS, type GpuTypeThresholds, type PlacementCandidate } from "./gpu-type.js";
import { idleGpuRule, IDLE_GPU_DEFAULTS, type IdleGpuThresholds, type JobUtilization } from "./idle-gpus.js";
import { policyRule, POLICY_DEFAULTS, type PolicyReplay, type PolicyThresholds } from "./policy.js";
import { queueImbalanceRule, QUEUE_IMBALANCE_DEFAULTS, type QueueImbalanceThresholds, type QueueView } from "./queue-imbalance.js";
import {
  storageRule,
  STORAGE_DEFAULTS,
  type ArtifactView,
  type FilesystemView,
  type ProjectUsage,
  type StorageThresholds,
  type TierPolicy,
} from "./storage.js";
import { RECOMMENDATION_SEVERITIES, type JobView, type NodeView, type Recommendation } from "./types.js";

/** Everything the rules look at: plain data gathered by the server (store, scheduler, series, planner, simulator). */
export interface RecommendationSnapshot {
  readonly nowMs: number;
  readonly nodes: readonly NodeView[];
  readonly freeGpus: Readonly<Record<string, number>>;
  /** Pending, admitted and running jobs. */
  readonly jobs: readonly JobView[];
  readonly queues: readonly QueueView[];
  readonly utilization: readonly JobUtilization[];
  readonly projects: readonly ProjectUsage[];
  readonly artifacts: readonly ArtifactView[];
  readonly filesystems?: readonly FilesystemView[];
  readonly tierPolicy?: TierPolicy;
  readonly placements: readonly PlacementCandidate[];
  readonly policy?: { readonly current: string; readonly replays: readonly PolicyReplay[]; readonly windowS: number };
}

export interface RecommendationThresholds {
  readonly idle: IdleGpuThresholds;
  readonly fragmentation: FragmentationThresholds;
  readonly queues: QueueImbalanceThresholds;
  readonly gpuType: GpuTypeThresholds;
  readonly storage: StorageThresholds;
  readonly policy: PolicyThresholds;
  readonly capacity: CapacityThresholds;
}
export const RECOMMENDATION_DEFAULTS: RecommendationThresholds = {
  idle: IDLE_GPU_DEFAULTS,
  fragmentation: FRAGMENTATION_DEFAULTS,
  queues: QUEUE_IMBALANCE_DEFAULTS,
  gpuType: GPU_TYPE_DEFAULTS,
  storage: STORAGE_DEFAULTS,
  policy: POLICY_DEFAULTS,
  capacity: CAPACITY_DEFAULTS,
};

/** Run every rule; most severe first, then by kind and id (deterministic). */
export function recommend(s: RecommendationSnapshot, t: RecommendationThresholds = RECOMMENDATION_DEFAULTS): Recommendation[] {
  const all = [
    ...idleGpuRule(s.jobs, s.utilization, s.nowMs, t.idle),
    ...fragmentationRule(s.nodes, s.freeGpus, s.jobs, s.nowMs, t.fragmentation),
    ...queueImbalanceRule(s.queues, s.jobs, t.queues),
    ...capacityRule(s.nodes, s.freeGpus, s.queues, s.jobs, s.nowMs, t.capacity),
    ...gpuTypeRule(s.placements, t.gpuType),
    ...storageRule(
      {
        projects: s.projects,
        artifacts: s.artifacts,
        nowMs: s.nowMs,
        ...(s.filesystems ? { filesystems: s.filesystems } : {}),
        ...(s.tierPolicy ? { tierPolicy: s.tierPolicy } : {}),
      },
      t.storage,
    ),
    ...(s.policy ? policyRule(s.policy, t.policy) : []),
  ];
  const rank = (r: Recommendation): number => -RECOMMENDATION_SEVERITIES.indexOf(r.severity);
  return all.sort((a, b) => rank(a) - rank(b) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
}
