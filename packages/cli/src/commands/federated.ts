import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { InvalidInputError } from "@aidc/core";
import { parseSiteConfig, readLabeled, runSiteStep } from "@aidc/workloads";
import { connection, requestJson, type ConnectionFlags } from "../client/http.js";
import { paint, printJson, printTable, type Io } from "../output.js";

interface Round {
  round: number;
  participants: number[];
  bytesSent: number[];
  trainLoss?: number;
  testAccuracy?: number;
  epsilon?: number;
}
interface Run {
  id: string;
  name: string;
  user: string;
  status: string;
  message?: string;
  sites: number;
  rounds: number;
  secureAggregation: boolean;
  dp?: { clip: number; noiseMultiplier: number; delta: number };
  phase: { round: number };
  joinBytes: number[];
  history: Round[];
  model?: { project: string; name: string; version: number };
}

const conn = (c: Command): Command => c.option("--url <url>", "server URL").option("--token <token>", "bearer token");
const fmt = (x: number | undefined, d = 4): string => (x === undefined ? "" : x.toFixed(d));
const kib = (b: number): string => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(1)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

function readSpec(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InvalidInputError(`Cannot read ${file}`, [{ code: "unreadable", path: file, message: (err as Error).message }]);
  }
  try {
    return parseYaml(text) as unknown; // YAML is a superset of JSON
  } catch (err) {
    throw new InvalidInputError(`${file} is not YAML or JSON`, [{ code: "invalid_yaml", path: file, message: (err as Error).message }]);
  }
}

function printRun(io: Io, r: Run): void {
  const state = r.status === "failed" ? paint(io, "red", r.status) : r.status === "succeeded" ? paint(io, "green", r.status) : r.status;
  io.out(`${r.id}  ${r.name}  ${state}  round ${Math.min(r.phase.round, r.rounds)}/${r.rounds}  ${r.sites} sites`);
  io.out(
    `${r.secureAggregation ? "  secure aggregation" : ""}${r.dp ? `  DP σ=${r.dp.noiseMultiplier} C=${r.dp.clip} δ=${r.dp.delta}` : ""}\n`,
  );
  if (r.message) io.out(`  ${r.message}\n`);
  if (r.model) io.out(`  model: ${r.model.project}/${r.model.name}:${r.model.version}\n`);
  printTable(
    io,
    ["ROUND", "SITES", "TRAIN LOSS", "TEST ACC", "EPSILON", "BYTES/SITE (MEAN)"],
    r.history.map((h) => {
      const sent = h.bytesSent.filter((b) => b > 0);
      return [
        h.round,
        h.participants.length,
        fmt(h.trainLoss),
        fmt(h.testAccuracy),
        fmt(h.epsilon, 3),
        sent.length ? kib(sent.reduce((a, b) => a + b, 0) / sent.length) : "",
      ];
    }),
  );
}

/** `aidc federated …`: start and follow federated runs on a server, and `site`, the step a site job runs. */
export function registerFederated(program: Command, io: Io): void {
  const fed = program
    .command("federated")
    .description("federated training across sites: start runs, follow their rounds; `site` is what a site job runs");

  fed
    .command("site")
    .description("one site's step of a federated run (run by the server inside the site's job): reads the shard, writes the update")
    .requiredOption("--config <file>", "the round's config the coordinator wrote (inputs/federated.json)")
    .requiredOption("--data <file>", "the site's labelled JSONL(.gz) shard")
    .option("--global <file>", "the global model", "inputs/federated-global.bin")
    .option("--key <file>", "the site's private key (secure aggregation)", "inputs/federated-site.key")
    .option("--out <dir>", "where to write federated-update.bin and federated-report.json", ".")
    .action(async (o: { config: string; data: string; global: string; key: string; out: string }) => {
      const config = parseSiteConfig(JSON.parse(readFileSync(o.config, "utf8")));
      const data = await readLabeled(o.data, config.limit !== undefined ? { limit: config.limit } : {});
      const optional = (f: string): Uint8Array | undefined => {
        try {
          return new Uint8Array(readFileSync(f));
        } catch {
          return undefined;
        }
      };
      const global = config.mode === "update" ? optional(o.global) : undefined;
      const privateKey = config.secure ? optional(o.key) : undefined;
      const { message, report } = runSiteStep(config, data, { ...(global ? { global } : {}), ...(privateKey ? { privateKey } : {}) });
      writeFileSync(join(o.out, "federated-update.bin"), message);
      writeFileSync(join(o.out, "federated-report.json"), JSON.stringify(report));
      io.out(
        `site ${report.site} round ${report.round}: ${report.rows} rows, sent ${report.bytes} bytes${report.loss !== undefined ? `, local loss ${report.loss.toFixed(4)}` : ""}\n`,
      );
    });

  conn(fed.command("start"))
    .description(
      "start a federated run from a YAML/JSON file (name, sites: [{dataset|data, queue}], rounds, secureAggregation, dp, hyper, evalDataset)",
    )
    .argument("<file>")
    .option("--json", "print the run as one JSON document")
    .action(async (file: string, o: ConnectionFlags & { json?: boolean }) => {
      const run = await requestJson<Run>(connection(o), "POST", "/api/v1/federated/runs", readSpec(file));
      if (o.json) return printJson(io, run);
      io.out(`started federated run ${run.id} (${run.sites} sites, ${run.rounds} rounds); follow it with: aidc federated show ${run.id}\n`);
    });

  conn(fed.command("list"))
    .description("federated runs, newest first")
    .option("--json", 'print {"runs":[…]}')
    .action(async (o: ConnectionFlags & { json?: boolean }) => {
      const { runs } = await requestJson<{ runs: Run[] }>(connection(o), "GET", "/api/v1/federated/runs");
      if (o.json) return printJson(io, { runs });
      printTable(
        io,
        ["ID", "NAME", "USER", "STATUS", "ROUND", "SITES", "LAST TEST ACC"],
        runs.map((r) => [
          r.id,
          r.name,
          r.user,
          r.status,
          `${Math.min(r.phase.round, r.rounds)}/${r.rounds}`,
          r.sites,
          fmt(r.history.at(-1)?.testAccuracy),
        ]),
      );
    });

  conn(fed.command("show"))
    .description("one federated run: rounds, participating sites, per-round metrics and bytes sent")
    .argument("<id>")
    .option("--json", "print the run as one JSON document")
    .action(async (id: string, o: ConnectionFlags & { json?: boolean }) => {
      const run = await requestJson<Run>(connection(o), "GET", `/api/v1/federated/runs/${encodeURIComponent(id)}`);
      if (o.json) return printJson(io, run);
      printRun(io, run);
    });
}
