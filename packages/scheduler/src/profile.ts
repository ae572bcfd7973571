import { z } from "zod";
import { issue, issuesFromZod, parseText, type Checked, type Issue } from "@aidc/core";
import { BACKFILL, PREEMPTION, findPolicy, policyNames, type PolicySpec } from "./policies/builtin.js";
import { defaultRegistry, type PluginRegistry } from "./registry.js";
import type { PermitPlugin, PlacePlugin, PluginArgs, PreemptPlugin, QueueQuota, QueueSortPlugin } from "./plugins/types.js";

export const SchedulerProfileSchema = z
  .object({
    apiVersion: z.literal("aidc/v1"),
    kind: z.literal("SchedulerProfile"),
    metadata: z.object({ name: z.string().min(1), description: z.string().optional() }).strict(),
    spec: z
      .object({
        policy: z.string().min(1),
        queueSort: z.string().optional(),
        placement: z.string().optional(),
        strict: z.boolean().optional(),
        backfill: z.enum(BACKFILL).optional(),
        preemption: z
          .object({ mode: z.enum(PREEMPTION).optional(), minRunTimeS: z.number().min(0).optional() })
          .strict()
          .optional(),
        agingS: z.number().min(0).optional(),
        lasThresholdsGpuS: z.array(z.number().positive()).optional(),
        quotas: z
          .array(
            z
              .object({
                queue: z.string().min(1),
                nominalGpus: z.number().min(0),
                cohort: z.string().min(1).optional(),
                borrowingLimitGpus: z.number().min(0).optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict(),
  })
  .strict();
export type SchedulerProfileDoc = z.infer<typeof SchedulerProfileSchema>;

/** A policy with its plugins looked up and its arguments filled in: what decide() runs. */
export interface ResolvedProfile {
  readonly name: string;
  readonly policy: PolicySpec;
  readonly queueSort: QueueSortPlugin;
  readonly place: PlacePlugin;
  readonly permit?: PermitPlugin;
  readonly preempt?: PreemptPlugin;
  readonly args: PluginArgs;
}

export const DEFAULT_LAS_THRESHOLDS_GPU_S = [3600, 36000] as const;

export interface ProfileOverrides {
  readonly placement?: string;
  readonly queueSort?: string;
  readonly strict?: boolean;
  readonly backfill?: PolicySpec["backfill"];
  readonly preemption?: PolicySpec["preemption"];
  readonly minRunTimeS?: number;
  readonly agingS?: number;
  readonly lasThresholdsGpuS?: readonly number[];
  readonly quotas?: readonly QueueQuota[];
  readonly rng?: PluginArgs["rng"];
}

/** Resolve a built-in policy (plus overrides) into a runnable profile; unknown names become issues. */
export function resolvePolicy(
  name: string,
  o: ProfileOverrides = {},
  reg: PluginRegistry = defaultRegistry(),
  base = "spec",
): Checked<ResolvedProfile> {
  const issues: Issue[] = [];
  const found = findPolicy(name);
  if (found === undefined) {
    return {
      ok: false,
      issues: [issue("unknown_policy", `${base}.policy`, `unknown policy "${name}" (known: ${policyNames().join(", ")})`)],
    };
  }
  const policy: PolicySpec = {
    ...found,
    ...(o.placement !== undefined ? { placement: o.placement } : {}),
    ...(o.queueSort !== undefined ? { queueSort: o.queueSort } : {}),
    ...(o.strict !== undefined ? { strict: o.strict } : {}),
    ...(o.backfill !== undefined ? { backfill: o.backfill } : {}),
    ...(o.preemption !== undefined ? { preemption: o.preemption } : {}),
    ...(o.quotas !== undefined && o.quotas.length > 0 ? { quotas: true } : {}),
  };
  const queueSort = reg.queueSort.get(policy.queueSort);
  if (!queueSort)
    issues.push(
      issue(
        "unknown_plugin",
        `${base}.queueSort`,
        `unknown queue-sort "${policy.queueSort}" (known: ${[...reg.queueSort.keys()].join(", ")})`,
      ),
    );
  const place = reg.place.get(policy.placement);
  if (!place)
    issues.push(
      issue("unknown_plugin", `${base}.placement`, `unknown placement "${policy.placement}" (known: ${[...reg.place.keys()].join(", ")})`),
    );
  const quotas = new Map<string, QueueQuota>();
  (o.quotas ?? []).forEach((q, i) => {
    if (quotas.has(q.queue)) issues.push(issue("duplicate_queue", `${base}.quotas[${i}].queue`, `queue "${q.queue}" has two quotas`));
    quotas.set(q.queue, q);
  });
  if (issues.length > 0 || !queueSort || !place) return { ok: false, issues };
  // reclaim takes back borrowed quota: without quotas nobody borrows, so it is a no-op
  const preemptName =
    policy.preemption === "priority" || (policy.preemption === "reclaim" && quotas.size > 0) ? policy.preemption : undefined;
  const preempt = preemptName ? reg.preempt.get(preemptName) : undefined;
  const permit = policy.quotas ? reg.permit.get("quota") : undefined;
  return {
    ok: true,
    value: {
      name,
      policy,
      queueSort,
      place,
      ...(permit ? { permit } : {}),
      ...(preempt ? { preempt } : {}),
      args: {
        agingS: o.agingS ?? 3600,
        lasThresholdsGpuS: o.lasThresholdsGpuS ?? DEFAULT_LAS_THRESHOLDS_GPU_S,
        quotas,
        minRunTimeS: o.minRunTimeS ?? 0,
        ...(o.rng ? { rng: o.rng } : {}),
      },
    },
  };
}

/** Parse and validate a SchedulerProfile (YAML or JSON text); issues carry paths and lines. */
export function parseProfile(text: string, reg: PluginRegistry = defaultRegistry()): Checked<ResolvedProfile> {
  const parsed = parseText(text);
  if (parsed.data === undefined) return { ok: false, issues: parsed.issues };
  const r = SchedulerProfileSchema.safeParse(parsed.data);
  const withLines = (list: readonly Issue[]): Issue[] =>
    list.map((i) => {
      const line = parsed.locate(
        i.path
          .split(/[.[\]]+/)
          .filter((p) => p !== "")
          .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
      );
      return line === undefined ? i : { ...i, line };
    });
  if (!r.success) return { ok: false, issues: withLines(issuesFromZod(r.error, parsed.data)) };
  const s = r.data.spec;
  const res = resolvePolicy(
    s.policy,
    {
      ...(s.placement !== undefined ? { placement: s.placement } : {}),
      ...(s.queueSort !== undefined ? { queueSort: s.queueSort } : {}),
      ...(s.strict !== undefined ? { strict: s.strict } : {}),
      ...(s.backfill !== undefined ? { backfill: s.backfill } : {}),
      ...(s.preemption?.mode !== undefined ? { preemption: s.preemption.mode } : {}),
      ...(s.preemption?.minRunTimeS !== undefined ? { minRunTimeS: s.preemption.minRunTimeS } : {}),
      ...(s.agingS !== undefined ? { agingS: s.agingS } : {}),
      ...(s.lasThresholdsGpuS !== undefined ? { lasThresholdsGpuS: s.lasThresholdsGpuS } : {}),
      ...(s.quotas !== undefined ? { quotas: s.quotas } : {}),
    },
    reg,
  );
  if (!res.ok) return { ok: false, issues: withLines(res.issues) };
  return { ok: true, value: { ...res.value, name: r.data.metadata.name } };
}

/** A profile with the cluster's queue quotas when it states none of its own (live server, `sim run`, what-if). */
export function withQuotas(profile: ResolvedProfile, quotas: readonly QueueQuota[]): ResolvedProfile {
  if (profile.args.quotas.size > 0 || quotas.length === 0) return profile;
  const args = { ...profile.args, quotas: new Map(quotas.map((q) => [q.queue, q])) };
  // a policy without the quota plugin gets it with quotas, as resolvePolicy does for --policy
  if (profile.permit !== undefined) return { ...profile, args };
  const again = resolvePolicy(profile.policy.name, { ...overridesOf(profile), quotas });
  return again.ok
    ? { ...again.value, name: profile.name, args: { ...again.value.args, ...(profile.args.rng ? { rng: profile.args.rng } : {}) } }
    : { ...profile, args };
}

/** Everything a resolved profile sets beyond its built-in policy, to resolve it again (with other quotas, on another thread). */
export function overridesOf(p: ResolvedProfile): ProfileOverrides {
  return {
    placement: p.policy.placement,
    queueSort: p.policy.queueSort,
    strict: p.policy.strict,
    backfill: p.policy.backfill,
    preemption: p.policy.preemption,
    minRunTimeS: p.args.minRunTimeS,
    agingS: p.args.agingS,
    lasThresholdsGpuS: p.args.lasThresholdsGpuS,
  };
}
