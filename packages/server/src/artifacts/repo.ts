import { TIERS, type Artifact, type ArtifactStore, type Tier, type TierMove } from "../store/port-artifacts.js";

/*
 * Artifacts: names, versions, metadata, lineage, quotas and tiers (the bytes live in BlobStore). The
 * records are in the store (ArtifactStore, store/port-artifacts.ts); what is policy stays here.
 */
export {
  ARTIFACT_KINDS,
  QuotaExceededError,
  TIERS,
  type Artifact,
  type ArtifactKind,
  type NewArtifact,
  type Tier,
  type TierMove,
} from "../store/port-artifacts.js";

export interface TierPolicy {
  readonly hotVersions: number;
  readonly coldAfterDays: number;
}

/**
 * The tiering policy: the newest `hotVersions` versions of each name stay hot; older ones go warm,
 * and to cold once older than `coldAfterDays`. Tiers only move down. Returns the moves for `artifacts`
 * (the live versions).
 */
export function tierMoves(artifacts: readonly Artifact[], policy: TierPolicy, nowMs: number): TierMove[] {
  const byName = new Map<string, Artifact[]>();
  for (const a of artifacts) {
    const key = `${a.project}/${a.name}`;
    byName.set(key, [...(byName.get(key) ?? []), a]);
  }
  const moves: TierMove[] = [];
  for (const versions of byName.values()) {
    const newestFirst = [...versions].sort((x, y) => y.version - x.version);
    newestFirst.forEach((a, i) => {
      const old = nowMs - a.createdAtMs > policy.coldAfterDays * 86_400_000;
      const to: Tier = i < policy.hotVersions ? "hot" : old ? "cold" : "warm";
      if (TIERS.indexOf(to) > TIERS.indexOf(a.tier)) moves.push({ id: a.id, from: a.tier, to });
    });
  }
  return moves;
}

/** Apply the tiering policy to every live version; returns the artifacts that moved. */
export async function applyTierPolicy(artifacts: ArtifactStore, policy: TierPolicy, nowMs: number): Promise<TierMove[]> {
  return artifacts.moveTiers(tierMoves(await artifacts.list(), policy, nowMs), nowMs);
}
