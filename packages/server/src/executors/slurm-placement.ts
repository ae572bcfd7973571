import type { Placement } from "@aidc/core";

/** How a job's tasks are laid out in Slurm: sbatch's task arguments, srun's, and the replica index of a task. */
export interface SlurmLayout {
  /** The placed nodes, each once, in the placement's order (empty: Slurm chooses). */
  readonly nodes: readonly string[];
  /** sbatch's task and resource arguments: one component, or several joined by ":" (a heterogeneous job). */
  readonly args: readonly string[];
  /** srun's extra arguments (the components of a heterogeneous job). */
  readonly srun: readonly string[];
  /** Shell code that sets AIDC_REPLICA for the task it runs in (from its node and node-local id). */
  readonly replica: string;
}

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The placed nodes in first-use order, or undefined when the placement does not give every replica a usable node. */
export function placedNodes(placement: Placement | undefined, replicas: number): string[] | undefined {
  const tasks = placement?.tasks ?? [];
  if (tasks.length === 0 || tasks.length !== replicas || tasks.some((t) => !NODE_NAME.test(t.node))) return undefined;
  return [...new Set(tasks.map((t) => t.node))];
}

/**
 * Where Slurm must run a job so that it runs where aidc placed it. `resources` are the per-task
 * arguments (CPUs, memory, GPUs, time, partition). One node, or the same number of replicas on
 * every node: `--nodelist` + `--nodes` (+ `--ntasks-per-node`), which the main scheduler starts at
 * once. An uneven split (3 replicas on one node, 1 on another) is a heterogeneous job, one
 * component per node with its own task count: the only way Slurm 22.05 honours per-node counts
 * (sbatch ignores `--distribution=arbitrary` for the allocation), but only Slurm's backfill
 * scheduler starts such jobs (every `bf_interval`, 30 s by default). Each task finds its aidc
 * replica index from its node and node-local id, so replica i runs where the placement put it.
 * Without a usable placement, Slurm chooses the nodes (`--ntasks` only).
 */
export function slurmLayout(placement: Placement | undefined, replicas: number, resources: readonly string[]): SlurmLayout {
  const nodes = placedNodes(placement, replicas);
  if (nodes === undefined || placement === undefined)
    return { nodes: [], args: [`--ntasks=${replicas}`, ...resources], srun: [], replica: "AIDC_REPLICA=$SLURM_PROCID" };
  const byNode = new Map<string, number[]>(nodes.map((n) => [n, []]));
  placement.tasks.forEach((t, i) => byNode.get(t.node)?.push(i));
  const counts = [...byNode.values()].map((r) => r.length);
  const cases = [...byNode].map(([node, rs]) => `${node}) set -- ${rs.join(" ")} ;;`).join(" ");
  const replica = `case "$SLURMD_NODENAME" in ${cases} *) set -- $SLURM_PROCID ;; esac; shift "$SLURM_LOCALID" 2>/dev/null; AIDC_REPLICA=\${1:-$SLURM_PROCID}`;
  const even = counts.every((c) => c === counts[0]);
  if (even) {
    const perNode = nodes.length > 1 ? [`--ntasks-per-node=${counts[0] ?? 1}`] : [];
    return {
      nodes,
      args: [`--nodelist=${nodes.join(",")}`, `--nodes=${nodes.length}`, `--ntasks=${replicas}`, ...perNode, ...resources],
      srun: [],
      replica,
    };
  }
  const args = nodes.flatMap((node, k) => [
    ...(k > 0 ? [":"] : []),
    `--nodelist=${node}`,
    "--nodes=1",
    `--ntasks=${counts[k] ?? 1}`,
    ...resources,
  ]);
  return { nodes, args, srun: [`--het-group=${nodes.map((_, k) => k).join(",")}`], replica };
}
