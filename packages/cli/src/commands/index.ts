import type { Command } from "commander";
import type { Io } from "../output.js";

/** Registers one module's commands on the program (a module may register several top-level commands). */
export type Register = (program: Command, io: Io, setExit: (code: number) => void) => void;

/** One top-level command: its name and description (for `aidc --help`) and how to load its module. */
export interface CommandEntry {
  readonly name: string;
  readonly description: string;
  /** Imports the module that registers `name` (and maybe its siblings) only when the command is chosen. */
  readonly load: () => Promise<Register>;
}

// The loaders: one per module. A module listed here is imported only when one of its commands runs,
// so `aidc --version`/`--help` load none of them and `aidc jobs` loads only the jobs module.
const jobs = async (): Promise<Register> => (await import("./jobs.js")).registerJobs;
const nodes = async (): Promise<Register> => (await import("./nodes.js")).registerNodes;
const artifacts = async (): Promise<Register> => (await import("./artifacts.js")).registerArtifacts;
const audit = async (): Promise<Register> => (await import("./audit.js")).registerAudit;
const governance = async (): Promise<Register> => (await import("./audit.js")).registerGovernance;
const workloads = async (): Promise<Register> => (await import("./workloads.js")).registerWorkloads;
const sim = async (): Promise<Register> => {
  const [run, pack] = await Promise.all([import("./sim.js"), import("./sim-pack.js")]);
  return (program, io) => {
    run.registerSim(program, io);
    pack.registerSimPack(program, io);
  };
};

/**
 * Every top-level command, in the order `aidc --help` lists them. To add a command: add its module's
 * loader and one line per top-level name here (the description must match the module's own; a test checks).
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "catalog",
    description: "hardware and model catalog: accelerators, systems, switches, nics, models",
    load: async () => (await import("./catalog.js")).registerCatalog,
  },
  {
    name: "validate",
    description:
      "check aidc files of any kind (Cluster, Job, scenarios, profiles, alert rules, catalog items; YAML or JSON) or folders of them: every problem with its path; exit 2 if any",
    load: async () => (await import("./validate.js")).registerValidate,
  },
  {
    name: "serve",
    description: "run the control plane: REST API, metrics and the embedded SQLite store",
    load: async () => (await import("./serve.js")).registerServe,
  },
  {
    name: "store",
    description: "the server's store: copy it between SQLite and PostgreSQL (migrate), back it up while it runs",
    load: async () => (await import("./store.js")).registerStore,
  },
  {
    name: "keys",
    description: "master keys of the artifact store's encryption at rest: rotate them (no blob rewritten), see what each wraps",
    load: async () => (await import("./keys.js")).registerKeys,
  },
  { name: "submit", description: "submit a job file (YAML or JSON) to the server", load: jobs },
  {
    name: "jobs",
    description: "list jobs (users see their own), oldest first; every page of the server's answer unless --limit",
    load: jobs,
  },
  { name: "job", description: "show one job", load: jobs },
  { name: "why", description: "why a job is pending, and when it may start", load: jobs },
  { name: "cancel", description: "cancel a job (kills its processes)", load: jobs },
  { name: "logs", description: "print what a job wrote; -f follows until it ends", load: jobs },
  { name: "nodes", description: "nodes of the running cluster: state (up, cordoned, draining, drained) and why, free GPUs", load: nodes },
  { name: "cordon", description: "stop placing new jobs on a node (its running jobs stay); operator role", load: nodes },
  { name: "uncordon", description: "put a cordoned or drained node back into scheduling; operator role", load: nodes },
  { name: "drain", description: "cordon a node and requeue its running jobs to run elsewhere; operator role", load: nodes },
  { name: "queues", description: "queues with quotas and use", load: jobs },
  { name: "token", description: "bearer tokens: create one (admin only)", load: jobs },
  { name: "artifacts", description: "datasets, checkpoints and models in the server's artifact store", load: artifacts },
  { name: "models", description: "served models: a name bound to an artifact version by promotion", load: artifacts },
  { name: "projects", description: "projects own artifacts and served models; owners manage members", load: artifacts },
  {
    name: "audit",
    description: "the audit log of dataset reads (downloads, job inputs; allowed and denied) and governance changes, newest first",
    load: audit,
  },
  {
    name: "governance",
    description: "a project's data rules: dataset:read permission, retention, PII scans",
    load: governance,
  },
  {
    name: "plan",
    description: "plan training runs, inference capacity and data centers from scenario files",
    load: async () => (await import("./plan.js")).registerPlan,
  },
  {
    name: "federated",
    description: "federated training across sites: start runs, follow their rounds",
    load: async () => (await import("./federated.js")).registerFederated,
  },
  {
    name: "privacy",
    description: "differential privacy: the RDP accountant for planning a training budget",
    load: async () => (await import("./privacy.js")).registerPrivacy,
  },
  { name: "train", description: "train a built-in workload and write its model package", load: workloads },
  { name: "eval", description: "evaluate a model package on a labeled JSONL(.gz) file", load: workloads },
  { name: "predict", description: "score texts with a model package", load: workloads },
  { name: "explain", description: "which words drove a prediction (occlusion or a LIME-style local surrogate)", load: workloads },
  { name: "sim", description: "replay cluster traces under scheduling policies (virtual time)", load: sim },
  {
    name: "data",
    description: "public datasets and traces: list, download into the cache, locate",
    load: async () => (await import("./data.js")).registerData,
  },
  {
    name: "anomaly",
    description: "streaming anomaly detection on metric series",
    load: async () => (await import("./anomaly.js")).registerAnomaly,
  },
  {
    name: "alerts",
    description: "alert rules (kind AlertRules): validate, export to Prometheus",
    load: async () => (await import("./alerts.js")).registerAlerts,
  },
  {
    name: "agent",
    description:
      "sample this host (CPU, memory, disks, filesystems, network, GPUs via nvidia-smi, local jobs) and print or push the samples",
    load: async () => (await import("./agent.js")).registerAgent,
  },
  {
    name: "recommend",
    description: "recommendations from the running server: idle GPUs, fragmentation, queues vs quotas, GPU types, storage, policy",
    load: async () => (await import("./recommend.js")).registerRecommend,
  },
  {
    name: "whatif",
    description: "forecast the live cluster before and after a change (nothing is changed)",
    load: async () => (await import("./whatif.js")).registerWhatIf,
  },
  {
    name: "status",
    description: "the server's store, its replicas and which one leads (runs scheduling)",
    load: async () => (await import("./status.js")).registerStatus,
  },
  {
    name: "config",
    description: "contexts (server, token file, CA) like kubectl's: set-context, use-context, get-contexts, current-context",
    load: async () => (await import("./config.js")).registerConfig,
  },
  {
    name: "completion",
    description: "print a shell completion script: aidc completion bash|zsh|fish",
    load: async () => {
      const { registerCompletion } = await import("./completion.js");
      return (program, io) => registerCompletion(program, io, everyCommand);
    },
  },
];

/** Register every module's commands (each module once) on the program. */
export async function registerAll(program: Command, io: Io, setExit: (code: number) => void): Promise<void> {
  const loaders = [...new Set(COMMANDS.map((c) => c.load))];
  for (const register of await Promise.all(loaders.map((l) => l()))) register(program, io, setExit);
}

/** A program holding every command (for completion scripts). */
async function everyCommand(io: Io): Promise<Command> {
  const { Command: CommandClass } = await import("commander");
  const program = new CommandClass("aidc");
  await registerAll(program, io, () => undefined);
  return program;
}

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
