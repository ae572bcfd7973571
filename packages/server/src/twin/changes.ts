import {
  checkJobOnCluster,
  issue,
  validateData,
  validateDocument,
  type Catalog,
  type ClusterModel,
  type Issue,
  type JobSpec,
  type Node,
} from "@aidc/core";
import { parseProfile, resolvePolicy, type QueueQuota } from "@aidc/scheduler";
import type { LivePredictor } from "./predict.js";
import { describeProfile, type ProfileDesc } from "./profile.js";
import { hypothetical } from "./hypothetical.js";
import type { Hypothetical, TwinInput, WhatIfPlan } from "./types.js";

/** The body of POST /api/v1/whatif after its schema (every field optional). */
export interface WhatIfBody {
  readonly addNodes?: readonly {
    readonly system?: string;
    readonly accelerator?: string;
    readonly gpus?: number;
    readonly count: number;
    readonly rack?: string;
    readonly partition?: string;
    readonly cpus?: number;
    readonly memoryGiB?: number;
  }[];
  readonly removeNodes?: readonly string[];
  readonly policy?: string;
  readonly profile?: string;
  readonly quotas?: readonly QueueQuota[];
  readonly cancel?: readonly string[];
  readonly priorities?: readonly { readonly jobId: string; readonly priority: number }[];
  readonly jobs?: readonly unknown[];
  readonly horizonS?: number;
}

export interface PlanContext {
  readonly input: TwinInput;
  readonly catalog: Catalog;
  readonly predictor: LivePredictor;
  /** Pending or running jobs the caller may name (a user: their own). */
  readonly visibleJob: (id: string) => boolean;
  readonly user: string;
}

const MAX_ADDED_NODES = 10_000;

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "node"
  );
}

/** Expand one addNodes entry against the catalog and the cluster (rack, partitions, labels as its rack-mates). */
function newNodes(
  e: NonNullable<WhatIfBody["addNodes"]>[number],
  i: number,
  model: ClusterModel,
  catalog: Catalog,
  taken: Set<string>,
  issues: Issue[],
): Node[] {
  const path = `addNodes[${i}]`;
  const sys = e.system === undefined ? undefined : catalog.lookup(e.system, "System");
  if (sys !== undefined && !sys.found)
    issues.push(
      catalog.checkRef(e.system ?? "", "System", ["addNodes", i, "system"]) ??
        issue("unknown_reference", `${path}.system`, `unknown system "${e.system}"`),
    );
  const system = sys?.found ? sys.item : undefined;
  const accName = e.accelerator ?? system?.accelerator;
  const acc = accName === undefined ? undefined : catalog.lookup(accName, "Accelerator");
  if (acc !== undefined && !acc.found)
    issues.push(
      catalog.checkRef(accName ?? "", "Accelerator", ["addNodes", i, "accelerator"]) ??
        issue("unknown_reference", `${path}.accelerator`, `unknown accelerator "${accName}"`),
    );
  if (e.system === undefined && e.accelerator === undefined) issues.push(issue("required", path, "give a system or an accelerator"));
  const racks = model.racks.map((r) => r.name);
  if (e.rack !== undefined && !racks.includes(e.rack))
    issues.push(issue("unknown_reference", `${path}.rack`, `unknown rack "${e.rack}" (have: ${racks.join(", ")})`));
  const partitions = model.partitions.map((p) => p.name);
  if (e.partition !== undefined && !partitions.includes(e.partition))
    issues.push(
      issue("unknown_reference", `${path}.partition`, `unknown partition "${e.partition}" (have: ${partitions.join(", ") || "none"})`),
    );
  if (e.count > MAX_ADDED_NODES) issues.push(issue("too_large", `${path}.count`, `at most ${MAX_ADDED_NODES} nodes`));
  if (issues.length > 0) return [];
  const accelerator = acc?.found ? acc.item : undefined;
  // a node like these: same system/accelerator, preferably in the same rack
  const alike = model.nodes.filter((n) => (system ? n.system === system.id : n.accelerator === accelerator?.id));
  const rack = e.rack ?? alike[0]?.rack ?? racks[0] ?? "rack-whatif";
  const mate = alike.find((n) => n.rack === rack) ?? model.nodes.find((n) => n.rack === rack) ?? alike[0];
  const gpus = e.gpus ?? system?.acceleratorCount ?? mate?.gpus ?? 8;
  const cpus = e.cpus ?? (system ? system.cpu.count * system.cpu.coresPerCpu : (mate?.cpus ?? 64));
  const memoryGiB = e.memoryGiB ?? system?.memoryGiB ?? mate?.memoryGiB ?? 512;
  const labels = mate?.labels ?? {};
  const pod = model.racks.find((r) => r.name === rack)?.pod ?? mate?.pod ?? "pod-0";
  const inPartitions =
    e.partition !== undefined
      ? [e.partition]
      : model.partitions
          .filter(
            (p) =>
              (p.racks === undefined || p.racks.includes(rack)) && Object.entries(p.nodeLabels ?? {}).every(([k, v]) => labels[k] === v),
          )
          .map((p) => p.name);
  const base = `whatif-${rack}-${slug(system?.id ?? accelerator?.id ?? "node")}`;
  const out: Node[] = [];
  for (let k = 1; out.length < e.count; k++) {
    const name = `${base}-${String(k).padStart(2, "0")}`;
    if (taken.has(name)) continue;
    taken.add(name);
    out.push({
      name,
      rack,
      pod,
      ...(system ? { system: system.id } : {}),
      ...(accelerator && gpus > 0 ? { accelerator: accelerator.id } : {}),
      gpus,
      gpuMemoryGB: accelerator?.memoryGB ?? 0,
      cpus,
      memoryGiB,
      labels,
      partitions: inPartitions,
    });
  }
  return out;
}

function jobDoc(doc: unknown, catalog: Catalog): { spec?: JobSpec; issues: readonly Issue[] } {
  const r = typeof doc === "string" ? validateDocument(doc, catalog) : validateData(doc, catalog);
  if (r.document === undefined) return { issues: r.issues };
  if (r.document.kind !== "Job") return { issues: [issue("invalid_kind", "kind", `must be Job, got ${r.document.kind}`)] };
  return { spec: r.document.value, issues: [] };
}

/** Check a what-if request against the live state and the catalog; every problem is an issue naming its field. */
export function planOf(body: WhatIfBody, c: PlanContext): { plan?: WhatIfPlan; issues: Issue[] } {
  const issues: Issue[] = [];
  const model = c.input.model;
  const taken = new Set(model.nodes.map((n) => n.name));
  const addNodes = (body.addNodes ?? []).flatMap((e, i) => newNodes(e, i, model, c.catalog, taken, issues));
  const existing = new Set(model.nodes.map((n) => n.name));
  (body.removeNodes ?? []).forEach((n, i) => {
    if (!existing.has(n)) issues.push(issue("unknown_reference", `removeNodes[${i}]`, `unknown node "${n}"`));
  });
  const queues = model.queues.map((q) => q.name);
  const liveQuotas = c.input.profile.overrides.quotas ?? [];
  let profile: ProfileDesc | undefined;
  if (body.profile !== undefined) {
    const r = parseProfile(body.profile);
    if (!r.ok) issues.push(...r.issues.map((i) => ({ ...i, path: `profile.${i.path}` })));
    else {
      const d = describeProfile(r.value);
      profile = (d.overrides.quotas ?? []).length > 0 ? d : { ...d, overrides: { ...d.overrides, quotas: liveQuotas } };
    }
  } else if (body.policy !== undefined) {
    const r = resolvePolicy(body.policy, { quotas: liveQuotas });
    if (!r.ok) issues.push(...r.issues.map((i) => ({ ...i, path: "policy" })));
    else profile = describeProfile(r.value);
  }
  (body.quotas ?? []).forEach((q, i) => {
    if (!queues.includes(q.queue))
      issues.push(issue("unknown_reference", `quotas[${i}].queue`, `unknown queue "${q.queue}" (have: ${queues.join(", ") || "none"})`));
  });
  (body.cancel ?? []).forEach((id, i) => {
    if (!c.visibleJob(id)) issues.push(issue("unknown_reference", `cancel[${i}]`, `no pending or running job "${id}"`));
  });
  (body.priorities ?? []).forEach((p, i) => {
    if (!c.visibleJob(p.jobId)) issues.push(issue("unknown_reference", `priorities[${i}].jobId`, `no pending or running job "${p.jobId}"`));
  });
  const changedModel = addNodes.length > 0 ? { ...model, nodes: [...model.nodes, ...addNodes] } : model;
  const jobs: Hypothetical[] = [];
  (body.jobs ?? []).forEach((doc, i) => {
    const r = jobDoc(doc, c.catalog);
    const more = r.spec ? checkJobOnCluster(r.spec, changedModel, c.catalog) : [];
    issues.push(...[...r.issues, ...more].map((x) => ({ ...x, path: `jobs[${i}].${x.path}` })));
    if (r.spec && !queues.includes(r.spec.queue) && queues.length > 0)
      issues.push(issue("unknown_reference", `jobs[${i}].queue`, `unknown queue "${r.spec.queue}" (have: ${queues.join(", ")})`));
    if (r.spec === undefined || issues.length > 0) return;
    const s = c.input.state;
    jobs.push(
      hypothetical(r.spec, {
        id: `whatif-${i + 1}`,
        user: r.spec.user ?? c.user,
        nowS: s.nowS,
        seq: s.pending.length + s.running.length + i + 1,
        topology: s.topology,
        model,
        catalog: c.catalog,
        predictor: c.predictor,
      }),
    );
  });
  if (issues.length > 0) return { issues };
  return {
    plan: {
      addNodes,
      removeNodes: body.removeNodes ?? [],
      ...(profile ? { profile } : {}),
      quotas: body.quotas ?? [],
      cancel: body.cancel ?? [],
      priorities: body.priorities ?? [],
      jobs,
      ...(body.horizonS !== undefined ? { horizonS: body.horizonS } : {}),
    },
    issues,
  };
}
