import { execFile } from "node:child_process";
import { AidcError, type Catalog, type Cluster, type ClusterModel } from "@aidc/core";
import type { NodeStore } from "../store/port.js";
import { parsePartitions, parseSlurmNodes, SLURM_CORDON, slurmCluster, slurmCordon, type SlurmNode } from "./slurm-cluster.js";

/** Runs one Slurm command and returns its stdout (SLURM_CLI_FAILED with stderr otherwise). */
export type SlurmCommand = (cmd: string, args: readonly string[]) => Promise<string>;

export function slurmCommand(o: { timeoutS?: number; env?: NodeJS.ProcessEnv } = {}): SlurmCommand {
  return (cmd, args) =>
    new Promise((resolve, reject) => {
      const opts = { timeout: (o.timeoutS ?? 10) * 1000, maxBuffer: 64 * 1024 * 1024, env: o.env ?? process.env };
      execFile(cmd, [...args], opts, (err, stdout, stderr) => {
        if (err === null) return resolve(stdout);
        const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? `${cmd} is not on PATH` : stderr.trim() || err.message;
        reject(new AidcError("SLURM_CLI_FAILED", `${cmd} ${args.join(" ")} failed: ${why}`, { cause: err }));
      });
    });
}

/** Slurm's nodes: `scontrol show node --json` (Slurm 23.02+), else `sinfo --json` (22.05 lists nodes there). */
export async function readSlurmNodes(run: SlurmCommand): Promise<SlurmNode[]> {
  const read = async (cmd: string, args: string[]): Promise<SlurmNode[]> => {
    const out = await run(cmd, args);
    try {
      return parseSlurmNodes(out);
    } catch {
      throw new AidcError("SLURM_BAD_OUTPUT", `${cmd} ${args.join(" ")} printed no JSON: ${out.trim().slice(0, 120)}`);
    }
  };
  let nodes: SlurmNode[];
  try {
    nodes = await read("scontrol", ["show", "node", "--json"]);
  } catch (first) {
    nodes = await read("sinfo", ["--json"]).catch((second: unknown) =>
      Promise.reject(
        new AidcError("SLURM_NO_NODES", `Cannot read Slurm's nodes: ${(first as Error).message}; ${(second as Error).message}`),
      ),
    );
  }
  if (nodes.length === 0) throw new AidcError("SLURM_NO_NODES", "Slurm lists no nodes (scontrol show node --json / sinfo --json)");
  return nodes;
}

/**
 * The cluster model read from Slurm itself, for `aidc serve --executor slurm` without `--cluster`;
 * with `partition` (serve's --slurm-partition, where every job goes), only that partition's nodes.
 */
export async function loadSlurmCluster(
  run: SlurmCommand,
  catalog: Catalog,
  partition?: string,
): Promise<{ spec: Cluster; model: ClusterModel; warnings: string[]; nodes: SlurmNode[] }> {
  const all = await readSlurmNodes(run);
  const nodes = partition === undefined ? all : all.filter((n) => n.partitions.includes(partition));
  if (nodes.length === 0) throw new AidcError("SLURM_NO_NODES", `Slurm's partition "${partition ?? ""}" has no nodes`);
  const partitions = parsePartitions(await run("scontrol", ["show", "partition", "--oneliner"])).filter(
    (p) => partition === undefined || p.name === partition,
  );
  const config = await run("scontrol", ["show", "config"]).catch(() => "");
  const name = /^ClusterName\s*=\s*([A-Za-z0-9][A-Za-z0-9_.-]*)/m.exec(config)?.[1] ?? "slurm";
  return { ...slurmCluster(name, nodes, partitions, catalog), nodes };
}

export interface SlurmSyncOptions {
  readonly nodes: Pick<NodeStore, "cordons" | "setCordon">;
  /** The nodes of aidc's cluster model. */
  readonly known: readonly string[];
  readonly read: () => Promise<readonly SlurmNode[]>;
  readonly now: () => number;
  /** After cordons changed (poke the scheduling loop). */
  readonly onChange?: () => void;
  readonly warn?: (message: string) => void;
}

export interface SyncResult {
  readonly cordoned: readonly string[];
  readonly uncordoned: readonly string[];
}

/**
 * Keeps aidc's cordons in step with Slurm's node states: a node drained, down or failing in Slurm
 * is cordoned with Slurm's reason (prefixed "slurm: "); when Slurm takes it back, that cordon is
 * lifted. A cordon a person set is never changed. A node gone from Slurm is cordoned; a node new
 * in Slurm is reported once (the model is read at start: restart the server to schedule on it).
 * When Slurm does not answer, nothing changes.
 */
export class SlurmNodeSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly reported = new Set<string>();

  constructor(private readonly o: SlurmSyncOptions) {}

  async syncOnce(): Promise<SyncResult> {
    const slurm = new Map((await this.o.read()).map((n) => [n.name, n]));
    const current = await this.o.nodes.cordons();
    const cordoned: string[] = [];
    const uncordoned: string[] = [];
    for (const name of this.o.known) {
      const node = slurm.get(name);
      const want = node === undefined ? `${SLURM_CORDON}the node is no longer in Slurm` : slurmCordon(node);
      const have = current.get(name);
      const ours = have?.startsWith(SLURM_CORDON) === true;
      if (want !== undefined && (have === undefined || (ours && have !== want))) {
        await this.o.nodes.setCordon(name, want, this.o.now());
        cordoned.push(name);
      } else if (want === undefined && ours) {
        await this.o.nodes.setCordon(name, undefined, this.o.now());
        uncordoned.push(name);
      }
    }
    const known = new Set(this.o.known);
    for (const name of slurm.keys())
      if (!known.has(name) && !this.reported.has(name)) {
        this.reported.add(name);
        this.o.warn?.(`Slurm has a node ${name} that aidc's cluster model lacks; restart aidc serve to schedule on it`);
      }
    if (cordoned.length + uncordoned.length > 0) this.o.onChange?.();
    return { cordoned, uncordoned };
  }

  /** Sync now, then every `intervalMs`; a failed sync is reported and changes nothing. */
  start(intervalMs: number): void {
    const tick = (): void => {
      if (this.running) return;
      this.running = this.syncOnce()
        .catch((err: unknown) => this.o.warn?.(`could not read Slurm's node states: ${(err as Error).message}`))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

/** What `aidc serve --executor slurm` takes from Slurm at start. */
export interface SlurmServe {
  /** The cluster read from Slurm, when no cluster file was given. */
  readonly cluster?: { readonly spec: Cluster; readonly model: ClusterModel };
  /** SlurmExecutor options: place jobs on aidc's nodes when they are Slurm's, and the partitions of each node. */
  readonly executor: { readonly usePlacement: boolean; readonly partitionsOf: (node: string) => readonly string[] };
  readonly warnings: readonly string[];
  /** Keep cordons in step with Slurm every `intervalS` (the leader does it); undefined when no node is Slurm's. */
  startSync(o: Omit<SlurmSyncOptions, "known" | "read">, intervalS?: number): SlurmNodeSync | undefined;
}

/**
 * Without a cluster file the model is Slurm's own; with one, its nodes must be Slurm's for jobs to
 * be placed on them (otherwise Slurm chooses, with a warning) and only Slurm's nodes are synced.
 */
export async function slurmForServe(
  catalog: Catalog,
  fileModel: ClusterModel | undefined,
  o: { timeoutS?: number; env?: NodeJS.ProcessEnv; partition?: string } = {},
): Promise<SlurmServe> {
  const run = slurmCommand(o);
  let loaded: Awaited<ReturnType<typeof loadSlurmCluster>> | undefined;
  let nodes: SlurmNode[] = [];
  const warnings: string[] = [];
  if (fileModel === undefined) {
    try {
      loaded = await loadSlurmCluster(run, catalog, o.partition);
    } catch (err) {
      const why = `Cannot use the slurm executor: ${(err as Error).message}; give the cluster with --cluster`;
      throw new AidcError("EXECUTOR_UNAVAILABLE", why, { cause: err });
    }
    nodes = loaded.nodes;
  } else {
    nodes = await readSlurmNodes(run).catch((err: unknown) => (warnings.push((err as Error).message), []));
  }
  const model = loaded?.model ?? fileModel;
  const partitions = new Map(nodes.map((n) => [n.name, n.partitions]));
  const known = (model?.nodes ?? []).map((n) => n.name).filter((n) => partitions.has(n));
  const missing = (model?.nodes ?? []).map((n) => n.name).filter((n) => !partitions.has(n));
  warnings.push(...(loaded?.warnings ?? []));
  const readable = nodes.length > 0;
  if (readable && missing.length > 0)
    warnings.push(
      `the cluster file's nodes ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""} are not Slurm nodes: ` +
        "Slurm chooses where jobs run (aidc's view of busy GPUs can be wrong); leave out --cluster to use Slurm's own nodes",
    );
  return {
    ...(loaded ? { cluster: { spec: loaded.spec, model: loaded.model } } : {}),
    executor: { usePlacement: readable && missing.length === 0, partitionsOf: (node) => partitions.get(node) ?? [] },
    warnings,
    startSync: (s, intervalS = 10) => {
      if (known.length === 0) return undefined;
      const sync = new SlurmNodeSync({ ...s, known, read: () => readSlurmNodes(run) });
      sync.start(intervalS * 1000);
      return sync;
    },
  };
}
