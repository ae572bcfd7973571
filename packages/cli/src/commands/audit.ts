import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core/errors";
import { connection, requestJson, type Connection, type ConnectionFlags } from "../client/http.js";
import { paint, printJson, printTable, type Io } from "../output.js";
import { parseRef } from "./artifacts.js";

interface AuditEntry {
  id: number;
  atMs: number;
  actor: string;
  actorRole?: string;
  action: string;
  outcome: string;
  project: string;
  resource: string;
  jobId?: string;
  detail: Record<string, unknown>;
}

const UNITS_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from now (30m, 24h, 7d), epoch milliseconds, or an ISO-8601 time → epoch ms. */
export function parseSince(text: string, nowMs: number = Date.now()): number {
  const rel = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text);
  if (rel !== null) return Math.round(nowMs - Number(rel[1]) * (UNITS_MS[rel[2] ?? "s"] ?? 1000));
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new InvalidInputError(`Invalid --since "${text}"`, [
      { code: "invalid_value", path: "--since", message: "use a duration (30m, 24h, 7d), epoch milliseconds or an ISO-8601 time" },
    ]);
  return ms;
}

const conn = (c: Command): Command => c.option("--url <url>", "server URL").option("--token <token>", "bearer token");
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** What an entry's detail says in a table cell: the reason of a denial, else the range or the counts. */
function summary(e: AuditEntry): string {
  const d = e.detail;
  if (typeof d["reason"] === "string") return d["reason"];
  if (typeof d["range"] === "string") return d["range"];
  if (d["counts"] !== undefined) return JSON.stringify(d["counts"]);
  if (typeof d["minRole"] === "string") return `${String(d["permission"])} → ${d["minRole"]}`;
  if (typeof d["version"] === "number") return `v${d["version"]}`;
  return "";
}

async function listAudit(
  c: Connection,
  o: { project?: string; actor?: string; action?: string; outcome?: string; since?: string; limit: string; all?: boolean },
): Promise<AuditEntry[]> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new InvalidInputError(`Invalid --limit "${o.limit}"`, [
      { code: "invalid_value", path: "--limit", message: "a whole number ≥ 1" },
    ]);
  const q = new URLSearchParams({
    limit: String(Math.min(limit, 1000)),
    ...(o.project ? { project: o.project } : {}),
    ...(o.actor ? { actor: o.actor } : {}),
    ...(o.action ? { action: o.action } : {}),
    ...(o.outcome ? { outcome: o.outcome } : {}),
    ...(o.since ? { since: String(parseSince(o.since)) } : {}),
  });
  const out: AuditEntry[] = [];
  for (;;) {
    const page = await requestJson<{ entries: AuditEntry[]; next?: number }>(c, "GET", `/api/v1/audit?${q.toString()}`);
    out.push(...page.entries);
    if (page.next === undefined || (!o.all && out.length >= limit)) break;
    q.set("before", String(page.next));
  }
  return o.all ? out : out.slice(0, limit);
}

export function registerAudit(program: Command, io: Io, setExit: (code: number) => void): void {
  const audit = conn(program.command("audit"))
    .description("the audit log of dataset reads (downloads, job inputs; allowed and denied) and governance changes, newest first")
    .option("--project <project>")
    .option("--actor <user>")
    .option("--action <action>", "dataset.read | dataset.job-read | permission.set | retention.set | retention.delete | pii.scan")
    .option("--outcome <outcome>", "allowed | denied")
    .option("--since <when>", "a duration back from now (30m, 24h, 7d), epoch ms or an ISO-8601 time")
    .option("--limit <n>", "entries to show", "50")
    .option("--all", "every entry that matches (follows the pages)")
    .option("--json", 'print {"entries":[{"id","atMs","actor","action","outcome","project","resource","jobId","detail",…}]}')
    .action(async (o: ConnectionFlags & { json?: boolean; limit: string } & Parameters<typeof listAudit>[1]) => {
      const entries = await listAudit(connection(o), o);
      if (o.json) return printJson(io, { entries });
      printTable(
        io,
        ["ID", "TIME", "ACTOR", "ACTION", "OUTCOME", "RESOURCE", "JOB", "DETAIL"],
        entries.map((e) => [
          e.id,
          iso(e.atMs),
          e.actor,
          e.action,
          e.outcome === "denied" ? paint(io, "red", e.outcome) : e.outcome,
          e.resource,
          e.jobId ?? "",
          summary(e),
        ]),
      );
    });
  conn(audit.command("verify"))
    .description("walk the audit log's hash chain (admins): exit 1 when an entry was altered or removed behind the store's back")
    .option("--json", 'print {"ok","entries","firstBadId","reason"}')
    .action(async (_: unknown, cmd: Command) => {
      // --url/--token are also options of `audit` itself, which commander lets it take from anywhere on the line
      const o = cmd.optsWithGlobals<ConnectionFlags & { json?: boolean }>();
      const v = await requestJson<{ ok: boolean; entries: number; firstBadId?: number; reason?: string }>(
        connection(o),
        "GET",
        "/api/v1/audit/verify",
      );
      if (o.json) printJson(io, v);
      else if (v.ok) io.out(`${paint(io, "green", "ok")}: ${v.entries} entries, chain intact\n`);
      else io.out(`${paint(io, "red", "BROKEN")}: entry ${v.firstBadId ?? "?"}: ${v.reason ?? ""} (${v.entries} entries read)\n`);
      if (!v.ok) setExit(1);
    });
}

export function registerGovernance(program: Command, io: Io): void {
  const gov = program.command("governance").description("a project's data rules: dataset:read permission, retention, PII scans");
  conn(gov.command("permissions"))
    .description("show which project role holds each permission; with --set, change it (owners)")
    .argument("<project>")
    .option("--set <permission=role>", "e.g. dataset:read=publisher (roles: reader, publisher, owner)")
    .option("--json", "print one JSON document")
    .action(async (project: string, o: ConnectionFlags & { set?: string; json?: boolean }) => {
      const c = connection(o);
      let view: { permissions: { permission: string; minRole: string; isDefault: boolean }[] };
      if (o.set !== undefined) {
        const m = /^([a-z]+:[a-z]+)=([a-z]+)$/.exec(o.set);
        if (m === null)
          throw new InvalidInputError(`Invalid --set "${o.set}"`, [
            { code: "invalid_value", path: "--set", message: "use permission=role" },
          ]);
        view = await requestJson(c, "PUT", `/api/v1/projects/${encodeURIComponent(project)}/permissions`, {
          permission: m[1],
          minRole: m[2],
        });
      } else view = await requestJson(c, "GET", `/api/v1/projects/${encodeURIComponent(project)}/permissions`);
      if (o.json) return printJson(io, view);
      printTable(
        io,
        ["PERMISSION", "LEAST ROLE", "SET"],
        view.permissions.map((p) => [p.permission, p.minRole, p.isDefault ? "default" : "by owner"]),
      );
    });
  conn(gov.command("retention"))
    .description("show the project's retention rule; --keep/--max-age-days set it, --clear removes it, --apply runs it now (owners)")
    .argument("<project>")
    .option("--keep <n>", "keep the newest N versions of each name")
    .option("--max-age-days <d>", "delete versions older than D days (the newest version of a name always stays)")
    .option("--kinds <list>", "artifact kinds the rule covers, comma-separated", "dataset")
    .option("--clear", "remove the rule")
    .option("--apply", "apply the rule now: delete what it selects")
    .option("--dry-run", "with --apply: list what would be deleted")
    .option("--json", "print one JSON document")
    .action(
      async (
        project: string,
        o: ConnectionFlags & {
          keep?: string;
          maxAgeDays?: string;
          kinds: string;
          clear?: boolean;
          apply?: boolean;
          dryRun?: boolean;
          json?: boolean;
        },
      ) => {
        const c = connection(o);
        const base = `/api/v1/projects/${encodeURIComponent(project)}/retention`;
        let out: unknown;
        if (o.clear) out = await requestJson(c, "DELETE", base);
        else if (o.keep !== undefined || o.maxAgeDays !== undefined) {
          const num = (v: string | undefined, path: string): number | undefined => {
            if (v === undefined) return undefined;
            const n = Number(v);
            if (!Number.isFinite(n) || n <= 0)
              throw new InvalidInputError(`Invalid ${path} "${v}"`, [{ code: "invalid_value", path, message: "a positive number" }]);
            return n;
          };
          const keep = num(o.keep, "--keep");
          const age = num(o.maxAgeDays, "--max-age-days");
          out = await requestJson(c, "PUT", base, {
            ...(keep !== undefined ? { keepVersions: keep } : {}),
            ...(age !== undefined ? { maxAgeDays: age } : {}),
            kinds: o.kinds.split(","),
          });
        }
        if (o.apply) out = await requestJson(c, "POST", `${base}/apply`, { dryRun: o.dryRun === true });
        out ??= await requestJson(c, "GET", base);
        if (o.json) return printJson(io, out);
        const r = out as {
          rule?: Record<string, unknown> | null;
          deleted?: { name: string; version: number; reason: string }[];
          removed?: boolean;
        };
        if (r.deleted !== undefined) {
          io.out(`${o.dryRun ? "would delete" : "deleted"} ${r.deleted.length} version(s)\n`);
          printTable(
            io,
            ["NAME", "VERSION", "WHY"],
            r.deleted.map((d) => [d.name, d.version, d.reason]),
          );
        } else if (r.removed !== undefined) io.out(r.removed ? "rule removed\n" : "no rule was set\n");
        else if (r.rule === null || r.rule === undefined) io.out(`${project}: no retention rule (every version is kept)\n`);
        else {
          const rule = r.rule;
          const parts = [
            rule["keepVersions"] !== undefined ? `keep the newest ${String(rule["keepVersions"])}` : "",
            rule["maxAgeDays"] !== undefined ? `none older than ${String(rule["maxAgeDays"])} days` : "",
          ].filter((s) => s !== "");
          io.out(`${project}: ${parts.join(" and ")} (${(rule["kinds"] as string[]).join(", ")}; set by ${String(rule["setBy"])})\n`);
        }
      },
    );
  conn(gov.command("pii-scan"))
    .description("scan a text dataset for e-mail addresses, phone and card numbers; --redact stores a redacted copy as the next version")
    .argument("<artifact>", "project/name[:version]")
    .option("--redact", "store the redacted text as the next version")
    .option("--json", "print one JSON document")
    .action(async (ref: string, o: ConnectionFlags & { redact?: boolean; json?: boolean }) => {
      const r = parseRef(ref);
      const path = `/api/v1/artifacts/${r.project}/${r.name}/${r.version}/pii-scan`;
      const out = await requestJson<{
        version: number;
        report: {
          lines: number;
          linesWithPii: number;
          counts: Record<string, number>;
          samples: { line: number; kind: string; masked: string }[];
          redacted?: { version: number };
        };
      }>(connection(o), "POST", path, { redact: o.redact === true });
      if (o.json) return printJson(io, out);
      const rep = out.report;
      const counts = Object.entries(rep.counts).map(([k, n]) => `${n} ${k}`);
      io.out(`${r.project}/${r.name}:${out.version}: ${rep.lines} lines, ${rep.linesWithPii} with personal data (${counts.join(", ")})\n`);
      if (rep.samples.length > 0)
        printTable(
          io,
          ["LINE", "KIND", "VALUE (MASKED)"],
          rep.samples.map((s) => [s.line, s.kind, s.masked]),
        );
      if (rep.redacted !== undefined) io.out(`redacted copy: ${r.project}/${r.name}:${rep.redacted.version}\n`);
    });
}
