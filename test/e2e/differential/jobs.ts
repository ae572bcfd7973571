import { seededRng } from "@aidc/simulator";

/** One task of a differential-test job: replicas of one size. */
export interface TwinTask {
  readonly name: string;
  readonly replicas: number;
  readonly gpus: number;
  readonly cpus: number;
  readonly memoryGiB: number;
}

/** A job both sides run: its document for the REST API and its trace line for the simulator come from here. */
export interface TwinJob {
  /** Unique; the simulator's job id and the live job's name. */
  readonly name: string;
  readonly user: string;
  readonly queue: string;
  readonly priority: number;
  /** Seconds after the run's origin; distinct per job (see `generateJobs`). */
  readonly submitS: number;
  /** True run time (seconds): the sim executor's `aidc.dev/sim-duration-s`, the trace's durationS. */
  readonly durationS: number;
  /** As a user writes it (catalog id or alias); any type when absent. */
  readonly gpuType?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tasks: readonly TwinTask[];
}

/**
 * The job document submitted to POST /api/v1/jobs. runtimeEstimateS is the true duration: the
 * simulator's estimate defaults to the trace's true duration and its remainingS is the true
 * remaining time, so SJF, backfill and SRTF must see the same numbers on both sides.
 */
export function jobDocument(job: TwinJob): Record<string, unknown> {
  return {
    apiVersion: "aidc/v1",
    kind: "Job",
    name: job.name,
    user: job.user,
    queue: job.queue,
    priority: job.priority,
    runtimeEstimateS: job.durationS,
    labels: { "aidc.dev/sim-duration-s": String(job.durationS) },
    ...(job.nodeSelector ? { nodeSelector: job.nodeSelector } : {}),
    tasks: job.tasks.map((t) => ({
      name: t.name,
      replicas: t.replicas,
      resources: {
        gpus: t.gpus,
        cpus: t.cpus,
        memoryGiB: t.memoryGiB,
        ...(job.gpuType !== undefined && t.gpus > 0 ? { gpuType: job.gpuType } : {}),
      },
    })),
    run: { command: "true" },
  };
}

export interface JobMix {
  readonly count: number;
  readonly seed: number;
  /** Mean seconds between arrivals. */
  readonly meanGapS: number;
  /** Shortest and longest run time (log-uniform). */
  readonly minDurationS: number;
  readonly maxDurationS: number;
}

/** The queue mix of test/e2e/differential/cluster.yaml: what each queue's jobs look like. */
interface QueueKind {
  readonly queue: string;
  readonly weight: number;
  readonly make: (pick: Pick) => Omit<TwinJob, "name" | "user" | "submitS" | "durationS">;
}

interface Pick {
  one<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
  int(lo: number, hi: number): number;
}

const TRAIN = (queue: string, priorities: readonly number[]): QueueKind => ({
  queue,
  weight: 0.35,
  make: (p) => {
    const gang = p.chance(0.25);
    const perReplica = gang ? p.one([4, 8]) : p.one([1, 1, 2, 4, 8]);
    const replicas = gang ? p.int(2, 4) : 1;
    // a gang sometimes has a CPU-only launcher next to its GPU workers
    const launcher = gang && p.chance(0.3) ? [{ name: "launcher", replicas: 1, gpus: 0, cpus: 2, memoryGiB: 4 }] : [];
    return {
      queue,
      priority: p.one(priorities),
      ...(p.chance(0.3) ? { gpuType: p.one(["H100", "h100-sxm5-80gb"]) } : {}),
      ...(p.chance(0.1) ? { nodeSelector: { ib: "ndr" } } : {}),
      tasks: [
        ...launcher,
        { name: "worker", replicas, gpus: perReplica, cpus: p.one([4, 8, 16, 32]), memoryGiB: p.one([32, 64, 256, 512]) },
      ],
    };
  },
});

const KINDS: readonly QueueKind[] = [
  TRAIN("research", [0, 0, 0, 5]),
  TRAIN("production", [0, 10, 20, 50]),
  {
    queue: "inference",
    weight: 0.3,
    make: (p) => {
      const type = p.one(["l40s", "L40S", "a100-pcie-80gb", undefined, undefined]);
      const cpuOnly = type === undefined && p.chance(0.2);
      const perReplica = cpuOnly ? 0 : type === "a100-pcie-80gb" ? p.int(1, 2) : p.one([1, 1, 2, 4]);
      return {
        queue: "inference",
        priority: p.one([0, 5, 30]),
        ...(type !== undefined && !cpuOnly ? { gpuType: type } : {}),
        // CPUs and memory bind on the 64-CPU L40S and 32-CPU A100 nodes
        tasks: [{ name: "serve", replicas: p.int(1, 3), gpus: perReplica, cpus: p.one([2, 8, 16, 24]), memoryGiB: p.one([8, 32, 96]) }],
      };
    },
  },
];

/**
 * A seeded job list for the differential test's cluster: gangs (multi-replica tasks, some with a
 * CPU-only launcher), three queues with quotas (two in a cohort), priorities, GPU types by id and
 * alias, node selectors, CPU-only jobs. Arrival times are distinct whole seconds: jobs that arrive
 * in the same millisecond are ordered by random id in the store and by trace order in the
 * simulator (a known difference, see the report in the test file).
 */
export function generateJobs(mix: JobMix): TwinJob[] {
  const rng = seededRng(mix.seed);
  const pick: Pick = {
    one: <T>(xs: readonly T[]): T => xs[rng.int(xs.length)] as T,
    chance: (p) => rng.next() < p,
    int: (lo, hi) => lo + rng.int(hi - lo + 1),
  };
  const total = KINDS.reduce((s, k) => s + k.weight, 0);
  const out: TwinJob[] = [];
  let t = 0;
  for (let i = 0; i < mix.count; i++) {
    t += Math.max(1, Math.round(-Math.log(1 - rng.next()) * mix.meanGapS));
    let r = rng.next() * total;
    const kind = KINDS.find((k) => (r -= k.weight) < 0) ?? (KINDS[0] as QueueKind);
    const logD = Math.log(mix.minDurationS) + rng.next() * (Math.log(mix.maxDurationS) - Math.log(mix.minDurationS));
    out.push({
      ...kind.make(pick),
      name: `job-${String(i).padStart(4, "0")}`,
      user: pick.one(["alice", "bob", "carol"]),
      submitS: t,
      durationS: Math.round(Math.exp(logD)),
    });
  }
  return out;
}

/** One line per job, for failure messages: what it asks for and how long it runs. */
export function describeJob(job: TwinJob): string {
  const tasks = job.tasks
    .map((t) => `${t.replicas}×${t.gpus > 0 ? `${t.gpus} GPU` : "CPU"} (${t.cpus} CPU, ${t.memoryGiB} GiB)`)
    .join(" + ");
  const where = [job.gpuType ? `type ${job.gpuType}` : "", job.nodeSelector ? `selector ${JSON.stringify(job.nodeSelector)}` : ""]
    .filter((s) => s !== "")
    .join(", ");
  return `${job.name}: queue ${job.queue}, priority ${job.priority}, ${tasks}${where ? `, ${where}` : ""}, submitted +${job.submitS} s, runs ${job.durationS} s`;
}
