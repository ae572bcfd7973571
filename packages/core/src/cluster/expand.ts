import type { Catalog } from "../catalog/catalog.js";
import { issue, type Issue } from "../errors.js";
import type { Cluster, Fabric, Node, Partition, Queue, Rack } from "../schemas/cluster.js";
import type { Limits } from "../schemas/limits.js";

/** A cluster file expanded against the catalog: every node spelled out with its resources. */
export interface ClusterModel {
  readonly name: string;
  readonly fabric: Fabric;
  readonly racks: readonly Rack[];
  readonly pods: readonly string[];
  readonly nodes: readonly Node[];
  readonly partitions: readonly Partition[];
  readonly queues: readonly Queue[];
  readonly totals: { readonly nodes: number; readonly gpus: number; readonly cpus: number; readonly memoryGiB: number };
  /** The cluster file's limits (absent: DEFAULT_LIMITS, e.g. a cluster built in code). */
  readonly limits?: Limits;
}

/** Names of a node group: the name itself, or name-01, name-02, … when count > 1. */
export function nodeNames(name: string, n: number): string[] {
  if (n === 1) return [name];
  const width = Math.max(2, String(n).length);
  return Array.from({ length: n }, (_, i) => `${name}-${String(i + 1).padStart(width, "0")}`);
}

function partitionsOf(node: Omit<Node, "partitions">, partitions: readonly Partition[]): string[] {
  return partitions
    .filter(
      (p) =>
        (p.racks === undefined || p.racks.includes(node.rack)) &&
        Object.entries(p.nodeLabels ?? {}).every(([k, v]) => node.labels[k] === v),
    )
    .map((p) => p.name);
}

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
}

/** Check references and names in a cluster and expand it; issues carry paths into the file. */
export function checkCluster(cluster: Cluster, catalog: Catalog): { model?: ClusterModel; issues: Issue[] } {
  const issues: Issue[] = [];
  const push = (i: Issue | undefined): void => {
    if (i !== undefined) issues.push(i);
  };
  const fabric = { ...cluster.fabric };
  if (fabric.switch !== undefined) {
    const r = catalog.lookup(fabric.switch, "Switch");
    if (r.found) fabric.switch = r.item.id;
    else push(catalog.checkRef(fabric.switch, "Switch", ["fabric", "switch"]));
  }
  if (fabric.nic !== undefined) {
    const r = catalog.lookup(fabric.nic, "Nic");
    if (r.found) fabric.nic = r.item.id;
    else push(catalog.checkRef(fabric.nic, "Nic", ["fabric", "nic"]));
  }

  const nodes: Node[] = [];
  const racks: Rack[] = [];
  cluster.racks.forEach((rack, ri) => {
    const pod = rack.pod ?? "pod-0";
    const names: string[] = [];
    rack.nodes.forEach((g, gi) => {
      const path = ["racks", ri, "nodes", gi];
      const sys = g.system === undefined ? undefined : catalog.lookup(g.system, "System");
      if (sys !== undefined && !sys.found) push(catalog.checkRef(g.system ?? "", "System", [...path, "system"]));
      const system = sys?.found ? sys.item : undefined;
      const accName = g.accelerator ?? system?.accelerator;
      const acc = accName === undefined ? undefined : catalog.lookup(accName, "Accelerator");
      if (acc !== undefined && !acc.found) push(catalog.checkRef(accName ?? "", "Accelerator", [...path, "accelerator"]));
      const accelerator = acc?.found ? acc.item : undefined;
      const gpus = g.gpus ?? system?.acceleratorCount ?? 0;
      const cpus = g.cpus ?? (system ? system.cpu.count * system.cpu.coresPerCpu : undefined);
      const memoryGiB = g.memoryGiB ?? system?.memoryGiB;
      if (cpus === undefined || memoryGiB === undefined) return; // reported above or by the schema
      for (const name of nodeNames(g.name, g.count)) {
        const base = {
          name,
          rack: rack.name,
          pod,
          ...(system ? { system: system.id } : {}),
          ...(accelerator && gpus > 0 ? { accelerator: accelerator.id } : {}),
          gpus,
          gpuMemoryGB: accelerator ? accelerator.memoryGB : 0,
          cpus,
          memoryGiB,
          labels: g.labels,
        };
        nodes.push({ ...base, partitions: partitionsOf(base, cluster.partitions) });
        names.push(name);
      }
    });
    racks.push({ name: rack.name, pod, rackUnits: rack.rackUnits, nodes: names, ...(rack.powerKw ? { powerKw: rack.powerKw } : {}) });
  });

  for (const d of new Set(duplicates(cluster.racks.map((r) => r.name)))) {
    push(issue("duplicate_name", ["racks", cluster.racks.findLastIndex((r) => r.name === d), "name"], `duplicate rack name "${d}"`));
  }
  for (const d of new Set(duplicates(nodes.map((n) => n.name)))) push(issue("duplicate_name", "racks", `node name "${d}" is used twice`));
  const rackNames = new Set(cluster.racks.map((r) => r.name));
  const partNames = new Set(cluster.partitions.map((p) => p.name));
  cluster.partitions.forEach((p, pi) =>
    (p.racks ?? []).forEach((r, i) => {
      if (!rackNames.has(r)) push(issue("unknown_reference", ["partitions", pi, "racks", i], `unknown rack "${r}"`));
    }),
  );
  for (const d of new Set(duplicates(cluster.partitions.map((p) => p.name))))
    push(issue("duplicate_name", "partitions", `duplicate partition "${d}"`));
  if (cluster.partitions.filter((p) => p.default).length > 1)
    push(issue("invalid_value", "partitions", "at most one partition can be the default"));
  cluster.queues.forEach((q, qi) => {
    if (q.partition !== undefined && !partNames.has(q.partition)) {
      push(
        issue(
          "unknown_reference",
          ["queues", qi, "partition"],
          `unknown partition "${q.partition}"${partNames.size ? ` (have: ${[...partNames].join(", ")})` : ""}`,
        ),
      );
    }
  });
  for (const d of new Set(duplicates(cluster.queues.map((q) => q.name)))) push(issue("duplicate_name", "queues", `duplicate queue "${d}"`));
  if (issues.length > 0) return { issues };

  const totals = {
    nodes: nodes.length,
    gpus: nodes.reduce((s, n) => s + n.gpus, 0),
    cpus: nodes.reduce((s, n) => s + n.cpus, 0),
    memoryGiB: nodes.reduce((s, n) => s + n.memoryGiB, 0),
  };
  const pods = [...new Set(racks.map((r) => r.pod))];
  return {
    model: {
      name: cluster.name,
      fabric,
      racks,
      pods,
      nodes,
      partitions: cluster.partitions,
      queues: cluster.queues,
      totals,
      limits: cluster.limits,
    },
    issues,
  };
}
