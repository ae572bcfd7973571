import type { ResolvedProfile } from "./profile.js";
import type { ClusterSnapshot, SchedJob } from "./types.js";

/** Compare two jobs by a static queue-sort key, then submit time, then seq (what a pre-sorted queue uses). */
export function staticCompare(profile: ResolvedProfile, a: SchedJob, b: SchedJob, snapshot: ClusterSnapshot): number {
  const k = profile.queueSort.key(a, 0, profile.args, snapshot) - profile.queueSort.key(b, 0, profile.args, snapshot);
  return k !== 0 ? k : a.submitS - b.submitS || a.seq - b.seq;
}

/** The pending queue in the profile's order at `nowS` (a new array; the input is not touched). */
export function sortPending<T extends SchedJob>(
  pending: readonly T[],
  profile: ResolvedProfile,
  nowS: number,
  snapshot: ClusterSnapshot,
): T[] {
  const keys = new Float64Array(pending.length);
  for (let i = 0; i < pending.length; i++) keys[i] = profile.queueSort.key(pending[i] as T, nowS, profile.args, snapshot);
  const idx = Array.from(pending, (_j, i) => i);
  idx.sort((i, j) => {
    const a = pending[i] as T;
    const b = pending[j] as T;
    return (keys[i] ?? 0) - (keys[j] ?? 0) || a.submitS - b.submitS || a.seq - b.seq;
  });
  return idx.map((i) => pending[i] as T);
}

/**
 * Insert a job into a queue kept in `staticCompare` order (after its equals, so arrival order holds);
 * what a replay does per arrival or requeue instead of sorting the whole queue every pass.
 */
export function insertSorted(queue: SchedJob[], job: SchedJob, profile: ResolvedProfile, snapshot: ClusterSnapshot): void {
  let lo = 0;
  let hi = queue.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (staticCompare(profile, queue[mid] as SchedJob, job, snapshot) <= 0) lo = mid + 1;
    else hi = mid;
  }
  queue.splice(lo, 0, job);
}
