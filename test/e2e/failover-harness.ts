// Replicas of `aidc serve` on one PostgreSQL schema, a submitting client and the checks the failover
// tests share (failover.test.ts: local executor; failover-slurm.test.ts: Slurm; failover-fencing.test.ts).
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serveProcess, type ServeProcess } from "./serve-process.js";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Ready {
  status: string;
  replica?: string;
  leading?: boolean;
  leader?: string | null;
}

export interface ReplicaProc extends ServeProcess {
  readonly id: string;
  readonly dataDir: string;
  /** What the process wrote (its log: JSON lines with --log-format json). */
  readonly stderr: () => string;
}

/** A set of replicas sharing one store, run directory and blob directory. */
export class Replicas {
  readonly root: string;
  readonly runsDir: string;
  readonly blobDir: string;
  readonly clusterFile: string | undefined;
  readonly procs = new Map<string, ReplicaProc>();

  /** `cluster`: the cluster file's text, or undefined to pass no --cluster (Slurm: the cluster comes from Slurm). */
  constructor(
    readonly storeUrl: string,
    readonly extraArgs: readonly string[] = [],
    cluster: string | undefined = CPU_CLUSTER,
  ) {
    this.root = mkdtempSync(join(tmpdir(), "aidc-failover-"));
    this.runsDir = join(this.root, "runs");
    this.blobDir = join(this.root, "blobs");
    this.clusterFile = cluster === undefined ? undefined : join(this.root, "cluster.yaml");
    if (this.clusterFile !== undefined) writeFileSync(this.clusterFile, cluster ?? "");
  }

  async start(id: string): Promise<ReplicaProc> {
    const dataDir = join(this.root, `data-${id}`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const args = [
      "--store",
      this.storeUrl,
      "--replica-id",
      id,
      "--runs-dir",
      this.runsDir,
      "--blob-dir",
      this.blobDir,
      ...(this.clusterFile !== undefined ? ["--cluster", this.clusterFile] : []),
      "--metrics-interval",
      "0",
      "--log-format",
      "json",
      ...this.extraArgs,
    ];
    const p = await serveProcess(dataDir, args);
    let err = "";
    const log = join(this.root, `log-${id}.txt`);
    p.child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
      appendFileSync(log, d);
    });
    p.child.stdout?.on("data", (d: Buffer) => {
      err += d.toString();
      appendFileSync(log, d);
    });
    const proc: ReplicaProc = { ...p, id, dataDir, stderr: () => err };
    this.procs.set(id, proc);
    return proc;
  }

  /** The admin token the first replica wrote (the one that initialised the store). */
  token(): string {
    for (const p of this.procs.values()) {
      try {
        return readFileSync(join(p.dataDir, "admin-token"), "utf8").trim();
      } catch {
        // this replica found the store initialised
      }
    }
    throw new Error("no replica wrote an admin token");
  }

  async ready(id: string): Promise<Ready | undefined> {
    const p = this.procs.get(id);
    if (p === undefined) return undefined;
    try {
      const res = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(1000) });
      return (await res.json()) as Ready;
    } catch {
      return undefined;
    }
  }

  /** The replica that says it leads, polling until one does. */
  async leader(timeoutMs = 15_000): Promise<ReplicaProc> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      for (const p of this.procs.values()) if ((await this.ready(p.id))?.leading === true) return p;
      await sleep(25);
    }
    throw new Error("no replica leads");
  }

  async kill(id: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const p = this.procs.get(id);
    if (p === undefined) return;
    p.child.kill(signal);
    if (signal === "SIGKILL") {
      await p.exited;
      this.procs.delete(id);
    }
  }

  async stopAll(): Promise<void> {
    for (const p of [...this.procs.values()]) {
      p.child.kill("SIGCONT");
      p.child.kill("SIGTERM");
      await Promise.race([p.exited, sleep(10_000)]);
      p.child.kill("SIGKILL");
    }
    this.procs.clear();
    if (process.env["AIDC_KEEP_FAILOVER"] !== "1") rmSync(this.root, { recursive: true, force: true });
  }

  urls(): string[] {
    return [...this.procs.values()].map((p) => p.url);
  }
}

/** One node with room for every test job at once (the jobs sleep; they need no GPUs). */
export const CPU_CLUSTER = `apiVersion: aidc/v1
kind: Cluster
name: failover
fabric: { topology: single-switch, oversubscription: 1 }
racks:
  - name: r1
    pod: p1
    nodes:
      - { name: box, count: 1, cpus: 4096, memoryGiB: 4096 }
`;

export interface Ack {
  readonly key: string;
  id?: string;
}

export interface JobView {
  id: string;
  name: string;
  state: string;
  attempts?: number;
  message?: string;
  runId?: string;
}

/** Submits jobs continuously from several connections to whichever replicas are up, retrying unanswered keys. */
export class Submitter {
  readonly acks: Ack[] = [];
  private stopping = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly replicas: Replicas,
    private readonly token: string,
    private readonly job: (key: string) => Record<string, unknown>,
  ) {}

  async submit(url: string, key: string): Promise<string | undefined> {
    try {
      const res = await fetch(`${url}/api/v1/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify(this.job(key)),
        signal: AbortSignal.timeout(10_000),
      });
      return res.status === 201 || res.status === 200 ? ((await res.json()) as { id: string }).id : undefined;
    } catch {
      return undefined; // the replica died before answering: the client does not know
    }
  }

  start(clients: number, pauseMs: number): void {
    for (let c = 0; c < clients; c++) {
      this.loops.push(
        (async () => {
          for (let i = 0; !this.stopping; i++) {
            const ack: Ack = { key: `c${c}-${i}` };
            this.acks.push(ack);
            const urls = this.replicas.urls();
            const url = urls[(c + i) % Math.max(1, urls.length)];
            if (url !== undefined) {
              const id = await this.submit(url, ack.key);
              if (id !== undefined) ack.id = id;
            }
            await sleep(pauseMs);
          }
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }

  /** Retry every key that got no answer (same Idempotency-Key) until each has its job. */
  async settle(): Promise<void> {
    for (const ack of this.acks) {
      for (let tries = 0; ack.id === undefined && tries < 50; tries++) {
        const url = this.replicas.urls()[tries % this.replicas.urls().length];
        const id = url === undefined ? undefined : await this.submit(url, ack.key);
        if (id !== undefined) ack.id = id;
        else await sleep(100);
      }
    }
  }
}

export async function listJobs(url: string, token: string): Promise<JobView[]> {
  const res = await fetch(`${url}/api/v1/jobs?limit=10000`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`listing jobs: HTTP ${res.status}`);
  return ((await res.json()) as { jobs: JobView[] }).jobs;
}

export async function jobEvents(url: string, token: string, id: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const res = await fetch(`${url}/api/v1/jobs/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`events of ${id}: HTTP ${res.status}`);
  const body = (await res.json()) as { events?: { type: string; data: Record<string, unknown> }[] } | { type: string }[];
  return Array.isArray(body) ? (body as { type: string; data: Record<string, unknown> }[]) : (body.events ?? []);
}

/** Poll until every job is final; returns the last listing. */
export async function untilAllFinal(url: string, token: string, timeoutMs: number): Promise<JobView[]> {
  const end = Date.now() + timeoutMs;
  let jobs: JobView[] = [];
  while (Date.now() < end) {
    jobs = await listJobs(url, token).catch(() => jobs);
    if (jobs.length > 0 && jobs.every((j) => ["succeeded", "failed", "cancelled"].includes(j.state))) return jobs;
    await sleep(250);
  }
  return jobs;
}

export interface Takeover {
  readonly killed: string;
  readonly newLeader: string;
  /** From SIGKILL of the leader to the survivor's /readyz saying it leads. */
  readonly takeoverMs: number;
  readonly runningAtKill: number;
}

/**
 * `rounds` times: let jobs run under the leader, kill -9 it, time the survivor's takeover, restart the
 * killed replica (same id and data dir) and check it joins as a follower. Returns the takeovers and the
 * ids of the jobs that were running at a kill (the new leader must adopt them).
 */
export async function killLeaderRounds(
  replicas: Replicas,
  token: string,
  rounds: number,
  runMs: number,
): Promise<{ takeovers: Takeover[]; runningAtKills: Set<string>; rejoined: (Ready | undefined)[] }> {
  const takeovers: Takeover[] = [];
  const runningAtKills = new Set<string>();
  const rejoined: (Ready | undefined)[] = [];
  for (let round = 0; round < rounds; round++) {
    await sleep(runMs);
    const leader = await replicas.leader();
    const running = (await listJobs(leader.url, token)).filter((j) => j.state === "running");
    for (const j of running) runningAtKills.add(j.id);
    const t0 = performance.now();
    await replicas.kill(leader.id);
    const survivor = [...replicas.procs.values()][0];
    if (survivor === undefined) throw new Error("no replica left");
    while ((await replicas.ready(survivor.id))?.leading !== true) {
      if (performance.now() - t0 > 30_000) throw new Error(`no takeover after killing ${leader.id}`);
      await sleep(20);
    }
    takeovers.push({
      killed: leader.id,
      newLeader: survivor.id,
      takeoverMs: Math.round(performance.now() - t0),
      runningAtKill: running.length,
    });
    await replicas.start(leader.id);
    rejoined.push(await replicas.ready(leader.id));
  }
  return { takeovers, runningAtKills, rejoined };
}
