import { overridesOf, resolvePolicy, type ProfileOverrides, type QueueQuota, type ResolvedProfile } from "@aidc/scheduler";
import { AidcError } from "@aidc/core";

/**
 * A resolved scheduler profile as plain data (a ResolvedProfile holds plugin functions, which cannot
 * cross to the twin's worker thread): the built-in policy's name plus every override, enough to
 * resolve the same profile again.
 */
export interface ProfileDesc {
  readonly name: string;
  readonly policy: string;
  readonly overrides: Omit<ProfileOverrides, "rng">;
}

export function describeProfile(p: ResolvedProfile): ProfileDesc {
  return {
    name: p.name,
    policy: p.policy.name,
    overrides: { ...overridesOf(p), lasThresholdsGpuS: [...p.args.lasThresholdsGpuS], quotas: [...p.args.quotas.values()] },
  };
}

/** The profile a description names (it was resolved once, so it resolves again). */
export function resolveDesc(d: ProfileDesc): ResolvedProfile {
  const r = resolvePolicy(d.policy, d.overrides);
  if (!r.ok) throw new AidcError("BAD_PROFILE", `Cannot resolve profile "${d.name}": ${r.issues.map((i) => i.message).join("; ")}`);
  return { ...r.value, name: d.name };
}

/** The same profile with some queues' quotas replaced (or added). */
export function withQuotas(d: ProfileDesc, quotas: readonly QueueQuota[]): ProfileDesc {
  const byQueue = new Map((d.overrides.quotas ?? []).map((q) => [q.queue, q]));
  for (const q of quotas) byQueue.set(q.queue, q);
  return { ...d, overrides: { ...d.overrides, quotas: [...byQueue.values()] } };
}
