import type { Checked, Issue } from "@aidc/core";
import { parseProfile, resolvePolicy, withQuotas, type ProfileOverrides, type QueueQuota, type ResolvedProfile } from "@aidc/scheduler";

/** How a scenario names its scheduler: a SchedulerProfile document, or a built-in policy with overrides. */
export type ScenarioProfile =
  | { readonly profile: string; readonly policy?: undefined; readonly overrides?: undefined }
  | { readonly policy: string; readonly overrides?: Omit<ProfileOverrides, "quotas" | "rng">; readonly profile?: undefined };

const prefixed = (issues: readonly Issue[], base: string | undefined): Issue[] =>
  base === undefined ? [...issues] : issues.map((i) => ({ ...i, path: i.path === "" ? base : `${base}: ${i.path}` }));

/**
 * The profile a scenario runs, with the quota rule every entry point shares (CLI, REST, recommendations,
 * what-if, and the live server): a profile that declares quotas keeps them; otherwise the cluster's queue
 * quotas apply, and when there are any the quota plugin admits jobs (as `aidc serve` does with the cluster file).
 * `base` prefixes issue paths (e.g. the file name or `policies[2]`).
 */
export function scenarioProfile(spec: ScenarioProfile, clusterQuotas: readonly QueueQuota[], base?: string): Checked<ResolvedProfile> {
  if (spec.profile !== undefined) {
    const r = parseProfile(spec.profile);
    if (!r.ok) return { ok: false, issues: prefixed(r.issues, base) };
    return { ok: true, value: withQuotas(r.value, clusterQuotas) };
  }
  const r = resolvePolicy(spec.policy, { ...spec.overrides, quotas: clusterQuotas }, undefined, base ?? "spec");
  return r.ok ? r : { ok: false, issues: r.issues };
}
