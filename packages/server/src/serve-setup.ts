// What `aidc serve` is given and gives back, and the pieces of start-up that only read files (the cluster, the
// scheduling profile); startServer (main.ts) composes them.
import { readFileSync } from "node:fs";
import { cpus, hostname, totalmem } from "node:os";
import type { FastifyInstance } from "fastify";
import { checkCluster, InvalidInputError, validateDocument, type Catalog, type Cluster, type ClusterModel } from "@aidc/core";
import { queueQuotas, type ResolvedProfile } from "@aidc/scheduler";
import { scenarioProfile, type ScenarioProfile } from "@aidc/simulator";
import type { LocalJobsOptions } from "./executors/local.js";
import type { SlurmPreflightOptions } from "./executors/slurm-preflight.js";
import type { Replica } from "./leader/replica.js";
import type { Store } from "./store/port.js";
import type { ServeTlsOptions, TlsView } from "./tls/setup.js";

export const EXECUTORS = ["local", "slurm", "sim"] as const;

export interface ServeOptions {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly clusterFile?: string;
  /** Where jobs run (default local processes). */
  readonly executor?: (typeof EXECUTORS)[number];
  /** Virtual seconds per real second for the sim executor. */
  readonly simSpeedup?: number;
  /** Scheduling policy name (see `aidc sim policies`); default backfill-easy. */
  readonly policy?: string;
  /** SchedulerProfile file (YAML), as `aidc sim run --profile` takes; overrides `policy`. */
  readonly profileFile?: string;
  /** Milliseconds between scheduling passes (a pass also runs after every submission). */
  readonly tickMs?: number;
  readonly logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Seconds between node-agent samples (metrics store, /metrics, alert evaluation); default 10, 0 turns the agent off. */
  readonly metricsIntervalS?: number;
  /** AlertRules file; default the built-in node-health rules (examples/alerts/node-health.yaml). */
  readonly alertsFile?: string;
  /** URLs that receive alert notifications (Alertmanager webhook JSON). */
  readonly alertWebhooks?: readonly string[];
  /** The local executor's isolation, jobs directory, limits and start batching (see LocalExecutorOptions). */
  readonly local?: LocalJobsOptions;
  /** Serve /metrics without a token (for a Prometheus that cannot send one); default false. */
  readonly publicMetrics?: boolean;
  /** Requests per second per caller (and per address for failed authentication); default 500, 0 turns limiting off. */
  readonly rateLimitPerS?: number;
  /** Seconds an untouched upload stays resumable before the janitor removes it; default 86400. */
  readonly uploadMaxAgeS?: number;
  /** "json" (default): pino's JSON lines on stdout; "human": `level: message` lines on stderr (aidc serve at a terminal). */
  readonly logFormat?: "json" | "human";
  /** How the slurm executor's start-up check runs (timeout, partition, the commands' environment). */
  readonly slurm?: SlurmPreflightOptions;
  /** Store URL (`sqlite:<path>`, a file path, or `postgres://…`); default `sqlite:<data-dir>/aidc.db`. */
  readonly store?: string;
  /** This replica's name among the servers sharing a store (default `<hostname>-<pid>`). */
  readonly replicaId?: string;
  /** Artifact blobs, shared by the replicas (e.g. on NFS); default `<data-dir>/blobs`. */
  readonly blobDir?: string;
  /** The executor's run records, shared by replicas on one host so a new leader adopts running jobs; default `<data-dir>/runs`. */
  readonly runsDir?: string;
  /** Scheduler lease timings (tests shorten them); default 3 s lease renewed every 1 s, a follower tries every 0.25 s: a dead leader is replaced within ~3.3 s (the issue asks for 5 s; 3 s leaves room on a loaded host while two missed renewals still keep the term). */
  readonly lease?: { readonly ttlMs?: number; readonly renewMs?: number; readonly retryMs?: number };
  /** Serve HTTPS only (`--tls-cert/--tls-key` or `--tls-self-signed`), optionally with client certificates for agents (`--tls-client-ca`). */
  readonly tls?: ServeTlsOptions;
  /**
   * Master key files for encryption at rest (`--master-key-file`, or AIDC_MASTER_KEY_FILE as a
   * comma-separated list): the first wraps every new blob's data key, the others only unwrap (a
   * rotation's old key). Without any, new blobs are stored in plaintext.
   */
  readonly masterKeyFiles?: readonly string[];
  /** Where the files came from, for errors (e.g. `--master-key-file` or `AIDC_MASTER_KEY_FILE`). */
  readonly masterKeyField?: string;
}

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  /** This server among the replicas sharing the store: whether it leads, who else runs. */
  readonly replica: Replica;
  /** Where the first start wrote the admin token (mode 600). */
  readonly adminTokenFile: string;
  /** The executor jobs run on, and its version when it has one (the Slurm version). */
  readonly executor: { readonly name: string; readonly version?: string };
  /** The certificate served (its SHA-256 fingerprint, names, expiry) when the server speaks HTTPS. */
  readonly tls?: TlsView;
  close(): Promise<void>;
  /** With TLS: read the certificate files again and serve them to new connections (aidc serve does it on SIGHUP). */
  reloadTls?(): Promise<TlsView>;
}

/** Read and check a cluster file; bad input becomes an InvalidInputError listing every issue. */
export function loadClusterFile(path: string, catalog: Catalog): { spec: Cluster; model: ClusterModel } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new InvalidInputError(`Cannot read cluster file ${path}`, [
      { code: "unreadable", path: "--cluster", message: (cause as Error).message },
    ]);
  }
  const r = validateDocument(text, catalog);
  if (r.document?.kind !== "Cluster") {
    const issues =
      r.issues.length > 0 ? r.issues : [{ code: "invalid_kind", path: "kind", message: `is ${r.document?.kind}, expected Cluster` }];
    throw new InvalidInputError(`Cluster file ${path} is invalid`, issues);
  }
  const checked = checkCluster(r.document.value, catalog);
  if (checked.model === undefined) throw new InvalidInputError(`Cluster file ${path} is invalid`, checked.issues);
  return { spec: r.document.value, model: checked.model };
}

/** Without a cluster file the server runs on this machine: one node, its CPUs and memory, no GPUs. */
export function localCluster(): ClusterModel {
  const memoryGiB = Math.floor(totalmem() / 2 ** 30);
  const name = hostname().replace(/[^A-Za-z0-9_.-]/g, "-") || "localhost";
  const node = { name, rack: "local", pod: "local", gpus: 0, gpuMemoryGB: 0, cpus: cpus().length, memoryGiB, labels: {}, partitions: [] };
  return {
    name: "local",
    fabric: { topology: "single-switch", oversubscription: 1 },
    racks: [{ name: "local", pod: "local", rackUnits: 1, nodes: [name] }],
    pods: ["local"],
    nodes: [node],
    partitions: [],
    queues: [],
    totals: { nodes: 1, gpus: 0, cpus: node.cpus, memoryGiB },
  };
}

/**
 * The scheduling profile the loop runs: a SchedulerProfile file or a policy name; the cluster file's
 * queue quotas and cohorts feed the quota plugin unless the profile states its own (as in `sim run`).
 */
export function loadProfile(options: ServeOptions, cluster: ClusterModel): { ok: true; value: ResolvedProfile } {
  let spec: ScenarioProfile = { policy: options.policy ?? "backfill-easy" };
  if (options.profileFile !== undefined) {
    try {
      spec = { profile: readFileSync(options.profileFile, "utf8") };
    } catch (cause) {
      throw new InvalidInputError(`Cannot read profile ${options.profileFile}`, [
        { code: "unreadable", path: "--profile", message: (cause as Error).message },
      ]);
    }
  }
  const r = scenarioProfile(spec, queueQuotas(cluster), options.profileFile ?? "--policy");
  if (!r.ok) throw new InvalidInputError(options.profileFile ? `Invalid profile ${options.profileFile}` : "Invalid --policy", r.issues);
  return r;
}
