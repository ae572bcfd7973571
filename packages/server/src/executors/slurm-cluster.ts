import { checkCluster, InvalidInputError, Limits, type Catalog, type Cluster, type ClusterModel, type NodeGroup } from "@aidc/core";

/** One Slurm node as aidc reads it (from `scontrol show node --json` or 22.05's `sinfo --json`). */
export interface SlurmNode {
  readonly name: string;
  readonly cpus: number;
  readonly memoryMiB: number;
  /** GPUs by gres type ("" when the gres names no type, as in `gpu:4`). */
  readonly gpus: readonly { readonly type: string; readonly count: number }[];
  readonly partitions: readonly string[];
  readonly features: readonly string[];
  /** Base state and flags, upper case: ["IDLE"], ["MIXED", "DRAIN"], ["DOWN", "NOT_RESPONDING"]. */
  readonly state: readonly string[];
  readonly reason: string;
  readonly reasonBy?: string;
}

export interface SlurmPartition {
  readonly name: string;
  readonly default: boolean;
  readonly up: boolean;
}

/** A number of Slurm's JSON: plain, or 23.02+'s `{ set, infinite, number }`. */
function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "object" && v !== null && "number" in v) return Number((v as { number: unknown }).number) || 0;
  return Number(v) || 0;
}

const words = (v: unknown): string[] =>
  (Array.isArray(v) ? v : typeof v === "string" ? v.split(/[\s,+]+/) : []).map((s) => String(s).trim()).filter((s) => s !== "");

/** GPUs in a gres string: "gpu:h100:4(S:0-1),gpu:a100:2,shard:8" → h100 ×4, a100 ×2; "gpu:4" → untyped ×4. */
export function parseGres(gres: string): { type: string; count: number }[] {
  const out: { type: string; count: number }[] = [];
  for (const item of gres.replace(/\([^)]*\)/g, "").split(",")) {
    const parts = item.trim().split(":");
    if (parts[0] !== "gpu") continue;
    const count = Number(parts[parts.length - 1]);
    if (!Number.isInteger(count) || count <= 0) continue;
    out.push({ type: parts.length >= 3 ? (parts[1] ?? "") : "", count });
  }
  return out;
}

/** The nodes of a Slurm JSON document of either shape (22.05: state string + state_flags; 23.02+: state array). */
export function parseSlurmNodes(json: string): SlurmNode[] {
  const doc = JSON.parse(json) as { nodes?: Record<string, unknown>[] };
  return (doc.nodes ?? []).map((n) => {
    const state = [...words(n["state"]), ...words(n["state_flags"])].map((s) => s.toUpperCase());
    const by = n["reason_set_by_user"];
    return {
      name: String(n["name"] ?? n["hostname"] ?? ""),
      cpus: num(n["cpus"]),
      memoryMiB: num(n["real_memory"]),
      gpus: parseGres(String(n["gres"] ?? "")),
      partitions: words(n["partitions"]),
      features: words(n["active_features"] ?? n["features"]),
      state: [...new Set(state)],
      reason: String(n["reason"] ?? "").trim(),
      ...(typeof by === "string" && by !== "" ? { reasonBy: by } : {}),
    };
  });
}

/** `scontrol show partition --oneliner`: one line of Key=Value pairs per partition (stable since long before JSON). */
export function parsePartitions(text: string): SlurmPartition[] {
  return text
    .split("\n")
    .map(
      (line) =>
        new Map(
          line
            .trim()
            .split(/\s+/)
            .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const),
        ),
    )
    .filter((m) => (m.get("PartitionName") ?? "") !== "")
    .map((m) => ({ name: m.get("PartitionName") ?? "", default: m.get("Default") === "YES", up: (m.get("State") ?? "UP") === "UP" }));
}

/** Node states in which Slurm starts no new job there: aidc cordons the node with Slurm's reason. */
const OUT_BASE = new Set(["DOWN", "ERROR", "FUTURE", "UNKNOWN"]);
const OUT_FLAG = new Set(["DRAIN", "DRAINING", "DRAINED", "FAIL", "FAILING", "NOT_RESPONDING", "INVALID_REG", "REBOOT_ISSUED"]);

/** Cordons written by the Slurm sync start with this, so a person's cordon is never lifted by it. */
export const SLURM_CORDON = "slurm: ";

/** The cordon reason Slurm's state asks for, or undefined when Slurm would start jobs on the node. */
export function slurmCordon(node: SlurmNode): string | undefined {
  const out = node.state.filter((s) => OUT_BASE.has(s) || OUT_FLAG.has(s));
  if (out.length === 0) return undefined;
  const why = node.reason === "" ? "no reason given" : node.reason;
  return `${SLURM_CORDON}${out.map((s) => s.toLowerCase()).join("+")}: ${why}${node.reasonBy ? ` (${node.reasonBy})` : ""}`;
}

/** Labels that let a job's nodeSelector pick Slurm partitions, features and untyped or unknown GPU types. */
export const PARTITION_LABEL = "slurm.partition/";
export const FEATURE_LABEL = "slurm.feature/";
export const GRES_LABEL = "slurm.gres/gpu";

/**
 * The cluster model of a Slurm cluster: one node per Slurm node (CPUs, RealMemory, GPUs by gres
 * type resolved against the catalog), one aidc partition and one queue per Slurm partition that
 * is up (the default one marked; only when no node is in two of them, since aidc's scheduler gives
 * a node one partition), all nodes in one rack (Slurm has no racks). A gres type the catalog does
 * not know gives a node whose GPUs have no accelerator type (jobs that name no gpuType fit; a
 * nodeSelector on `slurm.gres/gpu` picks them); a node with several GPU types counts only its
 * most numerous one. Both cases are returned as warnings.
 */
export function slurmCluster(
  name: string,
  nodes: readonly SlurmNode[],
  partitions: readonly SlurmPartition[],
  catalog: Catalog,
): { spec: Cluster; model: ClusterModel; warnings: string[] } {
  const warnings: string[] = [];
  // aidc's scheduler puts a node in one partition: Slurm's become aidc's only when no node is in two
  const up = new Set(partitions.filter((p) => p.up).map((p) => p.name));
  const shared = nodes.filter((n) => n.partitions.filter((p) => up.has(p)).length > 1);
  const parts = shared.length === 0 ? partitions.filter((p) => p.up) : [];
  if (shared.length > 0)
    warnings.push(
      `Slurm's partitions overlap (node ${shared[0]?.name ?? ""} is in ${shared[0]?.partitions.join(", ") ?? ""}): aidc schedules over all nodes; ` +
        `a job picks a partition's nodes with nodeSelector ${PARTITION_LABEL}<name>: "yes"`,
    );
  const groups: NodeGroup[] = nodes.map((n) => {
    const [main, ...rest] = [...n.gpus].sort((a, b) => b.count - a.count);
    if (rest.length > 0)
      warnings.push(
        `node ${n.name} has several GPU types (${n.gpus.map((g) => `${g.type || "untyped"}:${g.count}`).join(", ")}); aidc counts the ${main?.count ?? 0} ${main?.type ?? ""} only`,
      );
    const found = main && main.type !== "" ? catalog.lookup(main.type, "Accelerator") : undefined;
    if (main && !found?.found)
      warnings.push(
        main.type === ""
          ? `node ${n.name}: its ${main.count} GPUs name no type in Slurm's gres; they have no accelerator type`
          : `node ${n.name}: GPU type "${main.type}" is not in the catalog; its ${main.count} GPUs have no accelerator type`,
      );
    const labels: Record<string, string> = {};
    for (const p of n.partitions) labels[`${PARTITION_LABEL}${p}`] = "yes";
    for (const f of n.features) labels[`${FEATURE_LABEL}${f}`] = "yes";
    if (main) labels[GRES_LABEL] = main.type || "untyped";
    return {
      name: n.name,
      count: 1,
      ...(found?.found ? { accelerator: found.item.id } : {}),
      gpus: main?.count ?? 0,
      cpus: Math.max(1, Math.floor(n.cpus)),
      memoryGiB: Math.max(n.memoryMiB, 1) / 1024,
      labels,
    };
  });
  const spec: Cluster = {
    apiVersion: "aidc/v1",
    kind: "Cluster",
    name,
    description: "read from Slurm (scontrol/sinfo) by aidc serve --executor slurm",
    fabric: { topology: "single-switch", oversubscription: 1 },
    racks: [{ name: "slurm", pod: "slurm", rackUnits: Math.max(42, groups.length), nodes: groups }],
    partitions: parts.map((p) => ({ name: p.name, nodeLabels: { [`${PARTITION_LABEL}${p.name}`]: "yes" }, default: p.default })),
    queues: parts.map((p) => ({ name: p.name, partition: p.name, priority: 0, weight: 1, quota: {} })),
    limits: Limits.parse({}),
  };
  const checked = checkCluster(spec, catalog);
  if (checked.model === undefined) throw new InvalidInputError(`Cannot build a cluster model from Slurm's nodes`, checked.issues);
  return { spec, model: checked.model, warnings };
}
