import { round, type Recommendation } from "./types.js";

export type StorageTier = "hot" | "warm" | "cold";
const TIER_ORDER: readonly StorageTier[] = ["hot", "warm", "cold"];

export interface ArtifactView {
  readonly id: string;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  readonly sizeBytes: number;
  readonly tier: StorageTier;
  readonly createdAtMs: number;
}

export interface ProjectUsage {
  readonly project: string;
  readonly usedBytes: number;
  /** Undefined = no quota. */
  readonly maxBytes?: number;
}

/** A filesystem's fill from the node agent (`aidc_node_filesystem_used_ratio`). */
export interface FilesystemView {
  readonly node: string;
  readonly mountpoint: string;
  readonly usedRatio: number;
  readonly sizeBytes?: number;
}

export interface TierPolicy {
  readonly hotVersions: number;
  readonly coldAfterDays: number;
}

export interface StorageThresholds {
  /** Warn at this share of a quota or filesystem; critical at `criticalRatio`. */
  readonly nearRatio: number;
  readonly criticalRatio: number;
  /** Say something about tiering only when at least this many bytes would move. */
  readonly minTierBytes: number;
}
export const STORAGE_DEFAULTS: StorageThresholds = { nearRatio: 0.85, criticalRatio: 0.95, minTierBytes: 1 };
export const DEFAULT_TIER_POLICY: TierPolicy = { hotVersions: 2, coldAfterDays: 30 };

/** What the artifact store's tiering policy would move (the same rule as ArtifactRepo.applyTierPolicy, without applying it). */
export function tierMoves(artifacts: readonly ArtifactView[], policy: TierPolicy, nowMs: number): { a: ArtifactView; to: StorageTier }[] {
  const byName = new Map<string, ArtifactView[]>();
  for (const a of artifacts) byName.set(`${a.project}/${a.name}`, [...(byName.get(`${a.project}/${a.name}`) ?? []), a]);
  const moves: { a: ArtifactView; to: StorageTier }[] = [];
  for (const versions of byName.values()) {
    [...versions]
      .sort((x, y) => y.version - x.version)
      .forEach((a, i) => {
        const old = nowMs - a.createdAtMs > policy.coldAfterDays * 86_400_000;
        const to: StorageTier = i < policy.hotVersions ? "hot" : old ? "cold" : "warm";
        if (TIER_ORDER.indexOf(to) > TIER_ORDER.indexOf(a.tier)) moves.push({ a, to });
      });
  }
  return moves;
}

/** Projects near their artifact quota, filesystems near full, and versions the tiering policy would move to a colder tier. */
export function storageRule(
  input: {
    readonly projects: readonly ProjectUsage[];
    readonly artifacts: readonly ArtifactView[];
    readonly filesystems?: readonly FilesystemView[];
    readonly tierPolicy?: TierPolicy;
    readonly nowMs: number;
  },
  t: StorageThresholds = STORAGE_DEFAULTS,
): Recommendation[] {
  const out: Recommendation[] = [];
  const policy = input.tierPolicy ?? DEFAULT_TIER_POLICY;
  const moves = tierMoves(input.artifacts, policy, input.nowMs);
  for (const p of input.projects) {
    if (p.maxBytes === undefined || p.maxBytes <= 0) continue;
    const ratio = p.usedBytes / p.maxBytes;
    if (ratio < t.nearRatio) continue;
    // older versions (beyond the hot ones) are what could be deleted or archived elsewhere
    const old = moves.filter((m) => m.a.project === p.project);
    const oldBytes = old.reduce((s, m) => s + m.a.sizeBytes, 0);
    out.push({
      id: `storage/quota/${p.project}`,
      kind: "storage",
      severity: ratio >= t.criticalRatio ? "critical" : "warning",
      title: `Project ${p.project} uses ${(100 * ratio).toFixed(1)}% of its artifact quota`,
      evidence: {
        source: "artifact store usage and project_quotas",
        project: p.project,
        usedBytes: p.usedBytes,
        maxBytes: p.maxBytes,
        usedRatio: round(ratio, 4),
        oldVersions: old.map((m) => `${m.a.name}:${m.a.version}`),
      },
      expectedGain: {
        value: oldBytes,
        unit: "bytes",
        basis: `bytes of ${old.length} version(s) older than the newest ${policy.hotVersions} per name; deleting them frees that much quota`,
      },
      action: {
        description: "Raise the project quota or delete old versions",
        api: `PUT /api/v1/projects/${p.project}/quota {"maxBytes": ${Math.ceil(p.usedBytes / 0.7)}}`,
      },
    });
  }
  for (const f of input.filesystems ?? []) {
    if (f.usedRatio < t.nearRatio) continue;
    out.push({
      id: `storage/fs/${f.node}${f.mountpoint}`,
      kind: "storage",
      severity: f.usedRatio >= t.criticalRatio ? "critical" : "warning",
      title: `Filesystem ${f.mountpoint} on ${f.node} is ${(100 * f.usedRatio).toFixed(1)}% full`,
      evidence: { source: "aidc_node_filesystem_used_ratio (node agent)", ...f },
      expectedGain: {
        value: f.sizeBytes !== undefined ? Math.round(f.sizeBytes * (f.usedRatio - 0.7)) : 0,
        unit: "bytes",
        basis: "bytes to free to get back to 70% full",
      },
      action: { description: `Free space on ${f.node}:${f.mountpoint} (old runs, checkpoints, logs) or grow the filesystem` },
    });
  }
  const moveBytes = moves.reduce((s, m) => s + m.a.sizeBytes, 0);
  if (moves.length > 0 && moveBytes >= t.minTierBytes) {
    const toCold = moves.filter((m) => m.to === "cold");
    out.push({
      id: "storage/tiering",
      kind: "storage",
      severity: "info",
      title: `${moves.length} artifact version(s) (${moveBytes} bytes) should move to a colder tier`,
      evidence: {
        source: "artifact store versions and the tiering policy",
        policy,
        versions: moves.slice(0, 50).map((m) => ({
          id: m.a.id,
          artifact: `${m.a.project}/${m.a.name}:${m.a.version}`,
          from: m.a.tier,
          to: m.to,
          sizeBytes: m.a.sizeBytes,
        })),
        toColdBytes: toCold.reduce((s, m) => s + m.a.sizeBytes, 0),
      },
      expectedGain: { value: moveBytes, unit: "bytes", basis: "bytes that leave the hot tier" },
      action: {
        description: "Apply the tiering policy",
        api: `POST /api/v1/artifacts/tiering ${JSON.stringify(policy)}`,
      },
    });
  }
  return out;
}
