import { randomBytes } from "node:crypto";
import { chownSync, copyFileSync, mkdirSync, createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { AidcError, JobSpec, NotFoundError } from "@aidc/core";
import {
  decodeMessage,
  encodeGlobal,
  exportPrivateKey,
  generateSiteKeys,
  initialModel,
  mulberry32,
  type SiteReport,
  type SiteStepConfig,
} from "@aidc/workloads";
import { ForbiddenError } from "../auth.js";
import type { BlobStore } from "../artifacts/blobs.js";
import { readDataset } from "../governance/access.js";
import { openBlob } from "../governance/bytes.js";
import { parseDatasetRef } from "../governance/dataset-input.js";
import type { Store } from "../store/port.js";
import { atLeast, type Principal } from "../store/tokens.js";
import type { FederatedRunSpec, FederatedRunView } from "./spec.js";
import { closeRound, hyperOf, type RoundContext } from "./rounds.js";
import { MAX_MESSAGE_BYTES, SITE_INPUTS, SITE_OUTPUTS, SITE_WORKLOAD } from "./site-job.js";
import { RunFiles, type RunState } from "./state.js";

export interface FederatedServiceOptions {
  readonly store: Store;
  readonly blobs: () => BlobStore;
  readonly dir: string;
  readonly modelsDir: string;
  readonly now: () => number;
  readonly onJobsChanged: () => void;
  readonly isLeader?: () => boolean;
  readonly warn?: (msg: string) => void;
}

/**
 * The federated coordinator: drives each run round by round, one aidc job per participating site per round in
 * the site's queue. A site job gets the global model and a small config (and, under secure aggregation, its own
 * private key), reads only its own shard, and hands back one message; the coordinator aggregates the messages
 * (masked ones only as a sum), evaluates the new global model on an optional public test set, and records the
 * round as an event. FedAvg/FedProx, secure aggregation and DP are the @aidc/workloads federated library's.
 */
export class FederatedService {
  private readonly files: RunFiles;
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly rounds: RoundContext;

  constructor(private readonly o: FederatedServiceOptions) {
    this.files = new RunFiles(o.dir);
    this.rounds = { files: this.files, o, evalCache: new Map() };
  }

  start(intervalMs = 500): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async create(p: Principal, spec: FederatedRunSpec): Promise<FederatedRunView> {
    const id = `fr-${randomBytes(6).toString("hex")}`;
    const dir = this.files.dir(id);
    this.files.roundDir(id, 0);
    for (const s of spec.sites) if (s.dataset !== undefined) parseDatasetRef(s.dataset, "sites[].dataset");
    if (spec.evalDataset !== undefined) {
      // the coordinator reads the public test set with the run user's rights (audited like any dataset read)
      const ref = parseDatasetRef(spec.evalDataset, "evalDataset");
      const artifact = await readDataset(this.o.store, { principal: p, ...ref, detail: { federatedRun: id } }, this.o.now());
      await pipeline(await openBlob(this.o.blobs(), artifact.sha256), createWriteStream(join(dir, "eval.jsonl"), { mode: 0o600 }));
    }
    let publicKeys: string[] | undefined;
    if (spec.secureAggregation) {
      publicKeys = spec.sites.map((_, k) => {
        const keys = generateSiteKeys(k);
        writeFileSync(join(dir, `site-${k}.key`), exportPrivateKey(keys), { mode: 0o600 });
        return Buffer.from(keys.publicKey).toString("base64");
      });
    }
    const s: RunState = {
      id,
      name: spec.name,
      user: p.user,
      createdAtMs: this.o.now(),
      spec,
      status: "running",
      // under DP there is no join round: its counts and sizes would be released outside the accountant
      phase: { round: spec.dp ? 1 : 0, jobs: {} },
      siteRows: [],
      joinBytes: spec.sites.map(() => 0),
      ...(publicKeys ? { publicKeys } : {}),
      history: [],
    };
    if (spec.dp) writeFileSync(join(dir, "global.bin"), encodeGlobal(initialModel(hyperOf(spec))));
    this.files.save(s);
    await this.o.store.events.insert(this.o.now(), "federated.created", `federated/${id}`, {
      name: spec.name,
      user: p.user,
      sites: spec.sites.length,
    });
    return view(s);
  }

  list(p: Principal): FederatedRunView[] {
    return this.files
      .all()
      .filter((s) => s.user === p.user || atLeast(p.role, "operator"))
      .map(view);
  }

  get(p: Principal, id: string): FederatedRunView {
    const s = /^fr-[0-9a-f]{12}$/.test(id) ? this.files.load(id) : undefined;
    // another user's run answers like a missing one
    if (s === undefined || (s.user !== p.user && !atLeast(p.role, "operator"))) throw new NotFoundError(`No federated run ${id}`);
    return view(s);
  }

  /** The run and round a site job belongs to, after checking the job is the one the coordinator submitted. */
  private ownRun(jobId: string, spec: JobSpec, user: string): { s: RunState; round: number; site: number } | undefined {
    if (!("workload" in spec.run) || spec.run.workload !== SITE_WORKLOAD) return undefined;
    const { federatedRun, round, site } = spec.run.args as { federatedRun?: unknown; round?: unknown; site?: unknown };
    const s = typeof federatedRun === "string" && /^fr-[0-9a-f]{12}$/.test(federatedRun) ? this.files.load(federatedRun) : undefined;
    const refuse = (why: string): never => {
      throw new ForbiddenError(`job ${jobId} is not a site job of federated run ${String(federatedRun)}: ${why}`);
    };
    if (s === undefined) return refuse("no such run");
    if (s.user !== user) return refuse("the run belongs to another user");
    if (s.status !== "running" || round !== s.phase.round) return refuse(`the run is not in round ${String(round)}`);
    const expected = s.phase.jobs[String(site)];
    if (expected !== undefined && expected !== jobId) return refuse(`site ${String(site)}'s job this round is ${expected}`);
    if (!Number.isInteger(site) || (site as number) < 0 || (site as number) >= s.spec.sites.length) return refuse("no such site");
    return { s, round: round as number, site: site as number };
  }

  /** Before a site job starts: copy its config, the global model and (secure aggregation) its key into its work dir. */
  prepare(run: { jobId: string; spec: JobSpec; user: string; jobDir: string; owner?: { uid: number; gid: number } }): void {
    const own = this.ownRun(run.jobId, run.spec, run.user);
    if (own === undefined) return;
    const { s, round, site } = own;
    const dir = this.files.dir(s.id);
    const inputs = join(run.jobDir, dirname(SITE_INPUTS.config));
    mkdirSync(inputs, { recursive: true, mode: 0o700 });
    if (run.owner) chownSync(inputs, run.owner.uid, run.owner.gid);
    const copy = (from: string, to: string): void => {
      const dest = join(run.jobDir, to);
      copyFileSync(from, dest);
      if (run.owner) chownSync(dest, run.owner.uid, run.owner.gid);
    };
    copy(join(this.files.roundDir(s.id, round), `site-${site}.config.json`), SITE_INPUTS.config);
    if (round > 0) copy(join(dir, "global.bin"), SITE_INPUTS.global);
    if (s.spec.secureAggregation) copy(join(dir, `site-${site}.key`), SITE_INPUTS.key);
  }

  /** After a site job succeeded (before its work dir goes): take its message and report, nothing else. */
  async collect(job: { id: string; user: string; spec: JobSpec }, workDir: string): Promise<void> {
    const own = this.ownRun(job.id, job.spec, job.user);
    if (own === undefined) return;
    const { s, round, site } = own;
    const msg = join(workDir, SITE_OUTPUTS.message);
    const rep = join(workDir, SITE_OUTPUTS.report);
    if (!existsSync(msg) || !existsSync(rep)) throw new AidcError("FEDERATED_PROTOCOL", `site ${site}'s job ${job.id} wrote no update`);
    if (statSync(msg).size > MAX_MESSAGE_BYTES || statSync(rep).size > 4096)
      throw new AidcError("FEDERATED_PROTOCOL", `site ${site}'s job ${job.id} wrote an oversized update`);
    // a site job is untrusted code: its report and message must parse and name this site and round
    let report: SiteReport;
    try {
      report = JSON.parse(readFileSync(rep, "utf8")) as SiteReport;
    } catch {
      throw new AidcError("FEDERATED_PROTOCOL", `site ${site}'s job ${job.id} wrote a report that is not JSON`);
    }
    if (report.site !== site || report.round !== round || !Number.isInteger(report.rows) || report.rows < 0) {
      throw new AidcError("FEDERATED_PROTOCOL", `site ${site}'s report names site ${String(report.site)} round ${String(report.round)}`);
    }
    const bytes = new Uint8Array(readFileSync(msg));
    if (bytes.length > 0) {
      const m = decodeMessage(bytes); // throws FEDERATED_MESSAGE_CORRUPT on a malformed message
      if (m.site !== site || m.round !== round) {
        throw new AidcError("FEDERATED_PROTOCOL", `site ${site}'s update claims to be site ${m.site} round ${m.round}`);
      }
    }
    const rd = this.files.roundDir(s.id, round);
    writeFileSync(join(rd, `site-${site}.bin`), bytes);
    const kept: SiteReport = { ...report, bytes: bytes.length };
    writeFileSync(join(rd, `site-${site}.report.json`), JSON.stringify(kept)); // last: marks the site as heard from
    await this.o.store.events.insert(this.o.now(), "federated.update", `job/${job.id}`, { run: s.id, round, site, bytes: bytes.length });
  }

  async tick(): Promise<void> {
    if (this.busy || (this.o.isLeader && !this.o.isLeader())) return;
    this.busy = true;
    try {
      for (const s of this.files.all()) {
        if (s.status !== "running") continue;
        try {
          await this.advance(s);
        } catch (err) {
          s.status = "failed";
          s.message = (err as Error).message;
          this.files.save(s);
          await this.o.store.events.insert(this.o.now(), "federated.failed", `federated/${s.id}`, { message: s.message });
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private participants(s: RunState, round: number): number[] {
    const all = s.spec.sites.map((_, k) => k);
    if (round === 0 || s.spec.siteRate === 1) return all;
    const rand = mulberry32(hyperOf(s.spec).seed * 7919 + round);
    const chosen = all.filter(() => rand() < s.spec.siteRate);
    if (chosen.length > 0 || s.spec.dp) return chosen;
    return [all[Math.floor(rand() * all.length)] ?? 0];
  }

  private async advance(s: RunState): Promise<void> {
    const round = s.phase.round;
    const rd = this.files.roundDir(s.id, round);
    if (Object.keys(s.phase.jobs).length === 0) {
      const chosen = this.participants(s, round);
      if (chosen.length === 0) return closeRound(this.rounds, s, []); // DP: nobody sampled, the round still counts
      await this.submitRound(s, round, chosen);
      return;
    }
    // a plain training round carries on without a site whose job failed (FedAvg over the survivors); the join
    // round needs every site, and a secure round cannot unmask a sum with a missing site (no recovery here yet)
    const dropped = new Set(s.phase.dropped ?? []);
    let waiting = false;
    for (const [site, jobId] of Object.entries(s.phase.jobs)) {
      if (dropped.has(Number(site)) || existsSync(join(rd, `site-${site}.report.json`))) continue;
      const job = await this.o.store.jobs.get(jobId);
      const failed = job === undefined || job.state === "failed" || job.state === "cancelled";
      const silent = job?.state === "succeeded" && this.o.now() - (job.finishedAtMs ?? 0) > 30_000;
      if (!failed && !silent) {
        waiting = true;
        continue;
      }
      const why = silent
        ? `site ${site}'s job ${jobId} succeeded but handed back no update`
        : `site ${site}'s job ${jobId} ${job?.state ?? "vanished"} in round ${round}${job?.message ? `: ${job.message}` : ""}`;
      if (round === 0 || s.spec.secureAggregation) throw new AidcError("FEDERATED_SITE_FAILED", why);
      dropped.add(Number(site));
      s.phase.dropped = [...dropped].sort((a, b) => a - b);
      this.files.save(s);
      await this.o.store.events.insert(this.o.now(), "federated.dropped", `federated/${s.id}`, { round, site: Number(site), reason: why });
    }
    if (waiting) return;
    const survivors = Object.keys(s.phase.jobs)
      .map(Number)
      .filter((k) => !dropped.has(k));
    if (survivors.length === 0) throw new AidcError("FEDERATED_SITE_FAILED", `every site dropped out of round ${round}`);
    await closeRound(this.rounds, s, survivors);
  }

  private async submitRound(s: RunState, round: number, chosen: number[]): Promise<void> {
    const hyper = hyperOf(s.spec);
    const rd = this.files.roundDir(s.id, round);
    const total = chosen.reduce((a, k) => a + (s.siteRows[k] ?? 0), 0);
    const q = s.spec.siteRate;
    for (const k of chosen) {
      const config: SiteStepConfig = {
        mode: round === 0 ? "join" : "update",
        run: s.id,
        round,
        site: k,
        hyper,
        ...(round === 0 ? { sendCounts: hyper.nbScaling } : {}),
        ...(round > 0 ? { weight: s.spec.dp ? 1 / (q * s.spec.sites.length) : (s.siteRows[k] ?? 0) / Math.max(1, total) } : {}),
        ...(s.publicKeys
          ? { secure: { context: `${s.id}/round-${round}`, peers: Object.fromEntries(chosen.map((j) => [String(j), s.publicKeys![j]!])) } }
          : {}),
        ...(s.spec.dp && round > 0 ? { dp: { ...s.spec.dp, expectedSites: chosen.length } } : {}),
        ...(s.spec.limit !== undefined ? { limit: s.spec.limit } : {}),
      };
      writeFileSync(join(rd, `site-${k}.config.json`), JSON.stringify(config), { mode: 0o600 });
    }
    for (const k of chosen) {
      const site = s.spec.sites[k]!;
      const spec = JobSpec.parse({
        apiVersion: "aidc/v1",
        kind: "Job",
        name: `${s.name.slice(0, 90)}-r${round}-s${k}`,
        queue: site.queue,
        tasks: [{ resources: { cpus: s.spec.resources.cpus, memoryGiB: s.spec.resources.memoryGiB } }],
        labels: { "federated-run": s.id },
        run: {
          workload: SITE_WORKLOAD,
          args: { federatedRun: s.id, round, site: k, ...(site.dataset ? { dataset: site.dataset } : { data: site.data }) },
        },
      });
      const { job } = await this.o.store.jobs.submit(spec, s.user, this.o.now(), `${s.id}/${round}/${k}`);
      s.phase.jobs[String(k)] = job.id;
      this.files.save(s); // before the scheduler can start it, so `prepare` finds it
    }
    this.o.onJobsChanged();
  }
}

function view(s: RunState): FederatedRunView {
  return {
    id: s.id,
    name: s.name,
    user: s.user,
    status: s.status,
    ...(s.message !== undefined ? { message: s.message } : {}),
    createdAtMs: s.createdAtMs,
    phase: { round: s.phase.round, jobs: s.phase.jobs },
    sites: s.spec.sites.length,
    rounds: s.spec.rounds,
    secureAggregation: s.spec.secureAggregation,
    ...(s.spec.dp ? { dp: s.spec.dp } : {}),
    joinBytes: s.joinBytes,
    history: s.history,
    ...(s.model ? { model: s.model } : {}),
  };
}
