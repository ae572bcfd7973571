import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core/errors";
import { isTerminal, type JobState } from "@aidc/core/lifecycle";
import { connection, request, requestJson, type ConnectionFlags } from "../client/http.js";
import { paint, printJson, printTable, type Io } from "../output.js";

interface JobView {
  id: string;
  name: string;
  user: string;
  queue: string;
  state: JobState;
  attempts: number;
  submittedAtMs: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  /** Times the job started (GET of one job; attempts counts only retries and requeues). */
  runs?: number;
  exitCode?: number;
  message?: string;
  spec: { retries?: number };
}

/** The digital twin's forecast of a job (explain, submit --test-only). */
interface Forecast {
  startMs: number;
  endMs?: number;
  bandStartMs: [number, number];
  after?: string;
  basis: string;
  message: string;
}

function startAndEnd(f: Forecast): string {
  const at = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const band = `80 % band ${at(f.bandStartMs[0])} – ${at(f.bandStartMs[1])}`;
  return `start ${at(f.startMs)} (${band})${f.endMs !== undefined ? `, end ${at(f.endMs)}` : ""}`;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

const SORT_KEYS = ["submitted", "started", "name", "state"] as const;
type SortKey = (typeof SORT_KEYS)[number];

type ListFlags = ConnectionFlags & {
  state?: string;
  queue?: string;
  user?: string;
  limit?: string;
  sort?: string;
  desc?: boolean;
  json?: boolean;
};

function sortKey(value: string | undefined): SortKey {
  if (value === undefined) return "submitted";
  if ((SORT_KEYS as readonly string[]).includes(value)) return value as SortKey;
  throw new InvalidInputError("Invalid --sort", [
    { code: "invalid_value", path: "--sort", message: `must be one of ${SORT_KEYS.join(", ")}, got ${value}` },
  ]);
}

/** Stable sort by a key (jobs that never started sort after those that did); ties keep submission order. */
export function sortJobs(jobs: readonly JobView[], key: SortKey, desc: boolean): JobView[] {
  const value = (j: JobView): string | number =>
    key === "submitted" ? j.submittedAtMs : key === "started" ? (j.startedAtMs ?? Infinity) : key === "name" ? j.name : j.state;
  const sign = desc ? -1 : 1;
  return [...jobs].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === y) return 0;
    return (x < y ? -1 : 1) * sign;
  });
}

function withConnection(cmd: Command): Command {
  return cmd
    .option("--url <url>", "server URL (default $AIDC_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (default $AIDC_TOKEN)");
}

async function waitDone(flags: ConnectionFlags, id: string): Promise<JobView> {
  const conn = connection(flags);
  for (;;) {
    const job = await requestJson<JobView>(conn, "GET", `/api/v1/jobs/${encodeURIComponent(id)}`);
    if (isTerminal(job.state, (job.spec.retries ?? 0) - job.attempts)) return job;
    await new Promise((r) => setTimeout(r, 300));
  }
}

export function registerJobs(program: Command, io: Io, setExit: (code: number) => void): void {
  withConnection(program.command("submit"))
    .description("submit a job file (YAML or JSON) to the server")
    .argument("<file>")
    .option("--wait", "wait until the job ends; exit 1 if it did not succeed")
    .option("--idempotency-key <key>", "make retries of this submission safe")
    .option("--test-only", "do not submit: print when the job would start if submitted now (like sbatch --test-only)")
    .option("--json", "print the job as one JSON document")
    .action(
      async (file: string, opts: ConnectionFlags & { wait?: boolean; json?: boolean; idempotencyKey?: string; testOnly?: boolean }) => {
        let text: string;
        try {
          text = readFileSync(file, "utf8");
        } catch (e) {
          throw new InvalidInputError(`Cannot read ${file}`, [{ code: "unreadable", path: file, message: (e as Error).message }]);
        }
        if (opts.testOnly) {
          const res = await request(connection(opts), "POST", "/api/v1/jobs/forecast", { raw: text, type: "application/yaml" });
          const r = (await res.json()) as { forecast?: Forecast; reason: string; message: string };
          if (opts.json) return printJson(io, r);
          const when = r.forecast ? `${r.forecast.message}; ${startAndEnd(r.forecast)}` : "no forecast start within the horizon";
          const why = r.reason === "SCHEDULED" ? "would start at once" : `would wait: ${paint(io, "yellow", r.reason)}: ${r.message}`;
          io.out(`${why}\n${when}\nbasis: ${r.forecast?.basis ?? "-"} (nothing was submitted)\n`);
          return;
        }
        const res = await request(connection(opts), "POST", "/api/v1/jobs", {
          raw: text,
          type: "application/yaml",
          ...(opts.idempotencyKey ? { headers: { "idempotency-key": opts.idempotencyKey } } : {}),
        });
        let job = (await res.json()) as JobView;
        if (opts.wait) job = await waitDone(opts, job.id);
        if (opts.json) printJson(io, job);
        else io.out(`${job.id}\t${job.state}${job.exitCode !== undefined ? `\texit ${job.exitCode}` : ""}\n`);
        if (opts.wait && job.state !== "succeeded") setExit(1);
      },
    );

  withConnection(program.command("jobs"))
    .description("list jobs (users see their own), oldest first; every page of the server's answer unless --limit")
    .option("--state <states>", "comma-separated states, e.g. pending,running")
    .option("--queue <queue>")
    .option("--user <user>")
    .option("--limit <n>", "at most this many jobs (after sorting)")
    .option("--sort <key>", `order by ${SORT_KEYS.join(" | ")} (default submitted)`)
    .option("--desc", "largest (newest, last in the alphabet) first")
    .option("--json", "print one JSON document")
    .action(async (opts: ListFlags) => {
      const sort = sortKey(opts.sort);
      const limit = opts.limit === undefined ? Infinity : Number(opts.limit);
      if (!Number.isInteger(limit) && limit !== Infinity) {
        throw new InvalidInputError("Invalid --limit", [
          { code: "invalid_value", path: "--limit", message: `must be a whole number, got ${opts.limit}` },
        ]);
      }
      if (limit < 1)
        throw new InvalidInputError("Invalid --limit", [{ code: "invalid_value", path: "--limit", message: "must be at least 1" }]);
      const q = new URLSearchParams();
      if (opts.state) q.set("state", opts.state);
      if (opts.queue) q.set("queue", opts.queue);
      if (opts.user) q.set("user", opts.user);
      const conn = connection(opts);
      let jobs: JobView[] = [];
      // the server lists in submission order: another order (or newest first) needs every page before --limit applies
      const fetchAll = sort !== "submitted" || opts.desc === true;
      const want = fetchAll ? Infinity : limit;
      // follow the server's cursor page by page (at most 1,000 jobs a page)
      for (let after: string | undefined; jobs.length < want;) {
        q.set("limit", String(Math.min(1000, want - jobs.length)));
        if (after !== undefined) q.set("after", after);
        const page = await requestJson<{ jobs: JobView[]; nextCursor?: string }>(conn, "GET", `/api/v1/jobs?${q.toString()}`);
        jobs.push(...page.jobs);
        if (page.nextCursor === undefined) break;
        after = page.nextCursor;
      }
      if (fetchAll) jobs = sortJobs(jobs, sort, opts.desc === true).slice(0, limit);
      if (opts.json) return printJson(io, jobs);
      printTable(
        io,
        ["ID", "NAME", "USER", "QUEUE", "STATE", "AGE", "EXIT"],
        jobs.map((j) => [j.id, j.name, j.user, j.queue, j.state, age(j.submittedAtMs), j.exitCode]),
      );
    });

  withConnection(program.command("job"))
    .description("show one job")
    .argument("<id>")
    .option("--json", "print one JSON document")
    .action(async (id: string, opts: ConnectionFlags & { json?: boolean }) => {
      const job = await requestJson<JobView>(connection(opts), "GET", `/api/v1/jobs/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(io, job);
      printTable(
        io,
        ["FIELD", "VALUE"],
        [
          ["id", job.id],
          ["name", job.name],
          ["user", job.user],
          ["queue", job.queue],
          ["state", job.state],
          // runs: how many times it started (a job that ran once shows 1); older servers: retries + 1 once started
          ["attempts", job.runs ?? job.attempts + (job.startedAtMs !== undefined ? 1 : 0)],
          ["submitted", iso(job.submittedAtMs)],
          ["started", iso(job.startedAtMs)],
          ["finished", iso(job.finishedAtMs)],
          ["exit code", job.exitCode],
          ["message", job.message],
        ],
      );
    });

  withConnection(program.command("why"))
    .description("why a job is pending, and when it may start")
    .argument("<id>")
    .option("--json", "print one JSON document")
    .action(async (id: string, opts: ConnectionFlags & { json?: boolean }) => {
      const why = await requestJson<{ state: string; reason: string; message: string; estimatedStartMs?: number; forecast?: Forecast }>(
        connection(opts),
        "GET",
        `/api/v1/jobs/${encodeURIComponent(id)}/explain`,
      );
      if (opts.json) return printJson(io, why);
      // a job that is not waiting: the server's sentence says what it does or how it ended ("finished: succeeded at …")
      if (why.state !== "pending") return io.out(`${why.message}\n`);
      io.out(`${why.state}: ${paint(io, "yellow", why.reason)}: ${why.message}\n`);
      if (why.forecast) io.out(`forecast: ${why.forecast.message}; ${startAndEnd(why.forecast)}\nbasis: ${why.forecast.basis}\n`);
      else if (why.estimatedStartMs) io.out(`estimated start ${new Date(why.estimatedStartMs).toISOString()}\n`);
      else io.out("no forecast yet (the twin forecasts every few seconds)\n");
    });

  withConnection(program.command("cancel"))
    .description("cancel a job (kills its processes)")
    .argument("<id>")
    .option("--json", "print one JSON document")
    .action(async (id: string, opts: ConnectionFlags & { json?: boolean }) => {
      const job = await requestJson<JobView>(connection(opts), "DELETE", `/api/v1/jobs/${encodeURIComponent(id)}`);
      if (opts.json) return printJson(io, job);
      io.out(`${job.id}\t${job.state}\n`);
    });

  withConnection(program.command("logs"))
    .description("print what a job wrote; -f follows until it ends")
    .argument("<id>")
    .option("-f, --follow", "stream until the job ends")
    .action(async (id: string, opts: ConnectionFlags & { follow?: boolean }) => {
      const res = await request(connection(opts), "GET", `/api/v1/jobs/${encodeURIComponent(id)}/logs?follow=${opts.follow ? 1 : 0}`);
      if (!res.body) return;
      const decoder = new TextDecoder();
      for await (const chunk of res.body) io.out(decoder.decode(chunk as Uint8Array, { stream: true }));
    });

  withConnection(program.command("queues"))
    .description("queues with quotas and use")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { json?: boolean }) => {
      const { queues } = await requestJson<{
        queues: { name: string; quota?: { gpus?: number }; usedGpus: number; runningJobs: number; pendingJobs: number }[];
      }>(connection(opts), "GET", "/api/v1/queues");
      if (opts.json) return printJson(io, queues);
      printTable(
        io,
        ["QUEUE", "QUOTA GPUS", "USED GPUS", "RUNNING", "PENDING"],
        queues.map((q) => [q.name, q.quota?.gpus, q.usedGpus, q.runningJobs, q.pendingJobs]),
      );
    });

  const token = program
    .command("token")
    .description("bearer tokens: create one (admin only)")
    .addHelpText(
      "after",
      "\nA token is printed once and stored only as a hash. Roles: viewer (read), user (submit, upload, predict),\n" +
        "operator (nodes, alerts), admin (tokens). Example:\n  aidc token create --user alice --role user > alice.token\n" +
        "  aidc config set-context lab --server http://host:8080 --token-file alice.token\n",
    );
  withConnection(token.command("create"))
    .description("create a bearer token (admin only); printed once")
    .requiredOption("--user <user>")
    .requiredOption("--role <role>", "viewer | user | operator | admin")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { user: string; role: string; json?: boolean }) => {
      const r = await requestJson<{ token: string; user: string; role: string }>(connection(opts), "POST", "/api/v1/tokens", {
        user: opts.user,
        role: opts.role,
      });
      if (opts.json) return printJson(io, r);
      io.out(`${r.token}\n`);
    });
}
