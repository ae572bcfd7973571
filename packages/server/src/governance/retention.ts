import type { BlobStore } from "../artifacts/blobs.js";
import type { Artifact } from "../artifacts/repo.js";
import { ConflictError } from "../store/port-artifacts.js";
import type { RetentionRule } from "../store/port-governance.js";
import type { Store } from "../store/port.js";

const DAY_MS = 86_400_000;

/** Why a version goes: beyond the newest N, or older than the age limit. */
export interface RetentionCut {
  readonly artifact: Artifact;
  readonly reason: "count" | "age";
}

/**
 * The versions a retention rule deletes among a project's live versions (pure). Per name: the newest
 * `keepVersions` stay; of the rest — and of those too when older than `maxAgeDays` — every one goes,
 * except that the newest live version of a name is always kept (a rule thins history, it never makes
 * a dataset vanish). Only the rule's kinds are touched.
 */
export function retentionCuts(live: readonly Artifact[], rule: RetentionRule, nowMs: number): RetentionCut[] {
  const byName = new Map<string, Artifact[]>();
  for (const a of live) {
    if (a.project !== rule.project || a.deletedAtMs !== undefined || !rule.kinds.includes(a.kind)) continue;
    byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  }
  const cuts: RetentionCut[] = [];
  for (const versions of byName.values()) {
    const newestFirst = [...versions].sort((x, y) => y.version - x.version);
    newestFirst.forEach((a, i) => {
      if (i === 0) return;
      if (rule.keepVersions !== undefined && i >= rule.keepVersions) cuts.push({ artifact: a, reason: "count" });
      else if (rule.maxAgeDays !== undefined && nowMs - a.createdAtMs > rule.maxAgeDays * DAY_MS) cuts.push({ artifact: a, reason: "age" });
    });
  }
  return cuts.sort((x, y) => x.artifact.name.localeCompare(y.artifact.name) || x.artifact.version - y.artifact.version);
}

export interface RetentionOutcome {
  readonly project: string;
  readonly deleted: { id: string; name: string; version: number; reason: "count" | "age"; blobRemoved: boolean }[];
  /** Versions the rule selects but that stay: a served name is bound to them (promote another version first). */
  readonly kept: { id: string; name: string; version: number; why: string }[];
}

/**
 * Apply a project's rule: each selected version is deleted as a user's delete would (tombstone row,
 * its bytes removed when no live version uses them any more — with them the blob's data key, which
 * the BlobStore drops together with the blob), and an audit row `retention.delete` names it. A version
 * a served model is bound to is kept and reported.
 */
export async function applyRetention(
  o: { store: Store; blobs: BlobStore; now: () => number },
  rule: RetentionRule,
  by: string,
): Promise<RetentionOutcome> {
  const cuts = retentionCuts(await o.store.artifacts.list({ project: rule.project }), rule, o.now());
  const out: RetentionOutcome = { project: rule.project, deleted: [], kept: [] };
  for (const { artifact: a, reason } of cuts) {
    let blobStillUsed: boolean;
    try {
      ({ blobStillUsed } = await o.store.artifacts.remove(a.id, by, o.now()));
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
      out.kept.push({ id: a.id, name: a.name, version: a.version, why: err.message });
      continue;
    }
    if (!blobStillUsed) await o.blobs.remove(a.sha256, async () => !(await o.store.artifacts.isBlobUsed(a.sha256)));
    out.deleted.push({ id: a.id, name: a.name, version: a.version, reason, blobRemoved: !blobStillUsed });
    await o.store.governance.audit.append(
      {
        actor: by,
        action: "retention.delete",
        outcome: "allowed",
        project: a.project,
        resource: `${a.project}/${a.name}:${a.version}`,
        detail: {
          artifactId: a.id,
          kind: a.kind,
          sha256: a.sha256,
          reason,
          blobRemoved: !blobStillUsed,
          ...(rule.keepVersions !== undefined ? { keepVersions: rule.keepVersions } : {}),
          ...(rule.maxAgeDays !== undefined ? { maxAgeDays: rule.maxAgeDays } : {}),
        },
      },
      o.now(),
    );
  }
  return out;
}

/** Apply every project's rule (the periodic sweep); the system acts as "retention". */
export async function applyAllRetention(o: { store: Store; blobs: BlobStore; now: () => number }): Promise<RetentionOutcome[]> {
  const out: RetentionOutcome[] = [];
  for (const rule of await o.store.governance.retention.list()) out.push(await applyRetention(o, rule, "retention"));
  return out;
}

/**
 * Apply every project's retention rule every `intervalMs` (default hourly) on the replica that leads
 * (one sweeper at a time across replicas sharing the store); a sweep still running when the timer
 * fires is not started twice. Deletions are audited as user "retention".
 */
export function startRetentionSweeps(o: {
  store: Store;
  blobs: BlobStore;
  now: () => number;
  leads: () => boolean;
  intervalMs?: number;
  warn?: (msg: string) => void;
}): { sweep: () => Promise<RetentionOutcome[]>; stop: () => void } {
  let running = false;
  const sweep = () => applyAllRetention(o);
  const timer = setInterval(() => {
    if (running || !o.leads()) return;
    running = true;
    sweep()
      .catch((err: unknown) => o.warn?.(`retention sweep: ${(err as Error).message}`))
      .finally(() => (running = false));
  }, o.intervalMs ?? 3_600_000);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
