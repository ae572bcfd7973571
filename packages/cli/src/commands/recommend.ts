import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core";
import { connection, requestJson, type ConnectionFlags } from "../client/http.js";
import { paint, printJson, type Io } from "../output.js";

interface RecommendationView {
  id: string;
  kind: string;
  severity: "info" | "warning" | "critical";
  title: string;
  evidence: Record<string, unknown> & { source: string };
  expectedGain: { value: number; unit: string; basis: string };
  action: { description: string; command?: string; api?: string };
  /** The what-if forecast of the proposed change on the live queue. */
  forecast?: { pending: number; meanDelayBeforeS: number; meanDelayAfterS: number; neverStartBefore: number; neverStartAfter: number };
}

const UNITS: Record<string, string> = {
  gpuHoursPerWeek: "GPU-hours/week",
  gpus: "GPUs",
  queueDelayReductionPct: "% less queueing delay",
  runtimeReductionPct: "% shorter runtime",
  costUsdPerRun: "USD/run",
  bytes: "bytes",
};

function gain(g: RecommendationView["expectedGain"]): string {
  const v = g.unit === "bytes" ? formatBytes(g.value) : String(Number(g.value.toPrecision(6)));
  return g.unit === "bytes" ? v : `${v} ${UNITS[g.unit] ?? g.unit}`;
}

function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** `aidc recommend`: the server's recommendations with their evidence, expected gain and action. */
export function registerRecommend(program: Command, io: Io): void {
  program
    .command("recommend")
    .description("recommendations from the running server: idle GPUs, fragmentation, queues vs quotas, GPU types, storage, policy")
    .option("--url <url>", "server URL (default $AIDC_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (default $AIDC_TOKEN)")
    .option("--kind <kind>", "only this kind (idle-gpus, fragmentation, queue-imbalance, gpu-type, storage, scheduling-policy, capacity)")
    .option("--catalog", "also compare jobs with accelerators the cluster does not have")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { json?: boolean; kind?: string; catalog?: boolean }) => {
      const kinds = ["idle-gpus", "fragmentation", "queue-imbalance", "gpu-type", "storage", "scheduling-policy", "capacity"];
      if (opts.kind !== undefined && !kinds.includes(opts.kind))
        throw new InvalidInputError("Invalid --kind", [
          { code: "invalid_value", path: "--kind", message: `must be one of ${kinds.join(", ")}` },
        ]);
      const r = await requestJson<{ recommendations: RecommendationView[]; generatedAtMs: number }>(
        connection(opts),
        "GET",
        `/api/v1/recommendations${opts.catalog ? "?catalog=true" : ""}`,
      );
      const recs = r.recommendations.filter((x) => opts.kind === undefined || x.kind === opts.kind);
      if (opts.json) return printJson(io, { recommendations: recs, generatedAtMs: r.generatedAtMs });
      if (recs.length === 0) {
        io.out("no recommendations: nothing stands out\n");
        return;
      }
      for (const x of recs) {
        const sev = paint(io, x.severity === "critical" ? "red" : x.severity === "warning" ? "yellow" : "dim", x.severity.toUpperCase());
        io.out(`${sev} [${x.kind}] ${x.title}\n`);
        io.out(`  gain:     ${gain(x.expectedGain)} (${x.expectedGain.basis})\n`);
        if (x.forecast !== undefined) io.out(`  what-if:  ${forecastLine(x.forecast)}\n`);
        io.out(`  action:   ${x.action.description}\n`);
        if (x.action.command !== undefined) io.out(`            $ ${x.action.command}\n`);
        if (x.action.api !== undefined) io.out(`            ${x.action.api}\n`);
        io.out(`  evidence: ${paint(io, "dim", x.evidence.source)}\n\n`);
      }
    });
}

/** The what-if's verdict on a proposed change, in words: "mean wait of 8 pending jobs 3.0 h → 1.0 h; never start 2 → 0". */
function forecastLine(f: NonNullable<RecommendationView["forecast"]>): string {
  const h = (s: number): string => (s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`);
  const never = f.neverStartBefore !== f.neverStartAfter ? `; never start ${f.neverStartBefore} → ${f.neverStartAfter}` : "";
  return `mean wait of ${f.pending} pending jobs ${h(f.meanDelayBeforeS)} → ${h(f.meanDelayAfterS)}${never}`;
}
