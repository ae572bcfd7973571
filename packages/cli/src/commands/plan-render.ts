import type { DatacenterPlan, InferencePlan, TrainingPlan } from "@aidc/planner";
import { printTable, type Io } from "../output.js";
import { datacenterTables, type PlanTable } from "../report/datacenter-tables.js";
import { bytes, duration, label, money, percent, si, siUnit } from "../report/format.js";

const gb = (gigabytes: number): string => bytes(gigabytes * 1e9);

export function renderTraining(io: Io, p: TrainingPlan): void {
  io.out(`${p.scenario}: ${p.model} on ${p.gpus} x ${p.accelerator}\n`);
  if (p.simple) {
    const s = p.simple;
    io.out(
      `forward ${siUnit(s.forwardFlopsPerSample, "FLOP")}/sample, training ${siUnit(s.trainFlopsPerSample, "FLOP")}/sample, ~${si(s.samplesPerS, "samples/s")} at batch ${s.batch}, ${gb(s.memoryGB)} of weights+optimizer\n`,
    );
    if (s.trainingS !== undefined) io.out(`training time: ${duration(s.trainingS)}\n`);
    return;
  }
  const e = p.estimate;
  const par = p.parallel;
  if (!e || !par) return;
  io.out(
    `parallelism: tp ${par.tp} x pp ${par.pp} x dp ${par.dp} x cp ${par.cp}${par.ep > 1 ? ` x ep ${par.ep}` : ""}, vp ${par.vp}, micro-batch ${par.microBatch}, global batch ${par.globalBatch}, recompute ${par.recompute}, SP ${par.sequenceParallel}, ZeRO ${par.zeroStage}\n`,
  );
  io.out(
    `step ${duration(e.stepTimeS)}, ${si(e.tokensPerS, "tokens/s")} (${si(e.tokensPerSPerGpu)}/GPU), model ${siUnit(e.modelTflopsPerGpu * 1e12, "FLOP/s")} per GPU, MFU ${percent(e.mfu)}, HFU ${percent(e.hfu)}\n`,
  );
  printTable(
    io,
    ["step part", "time", "share"],
    Object.entries(e.breakdown).map(([k, v]) => [label(k), duration(v), percent(v / e.stepTimeS)]),
  );
  const m = e.memory;
  const b = (x: number): string => bytes(x);
  io.out(
    `memory per GPU: weights ${b(m.weightsBytes)} + grads ${b(m.gradsBytes)} + optimizer ${b(m.optimizerBytes)} + activations ${b(m.activationsBytes)} + buffers ${b(m.buffersBytes)} = ${b(m.totalBytes)} of ${b(e.memoryCapacityBytes)} (${e.fits ? "fits" : "does NOT fit"})\n`,
  );
  if (p.totals) {
    const t = p.totals;
    io.out(
      `${si(t.tokens, "tokens")}: ${duration(t.wallClockDays * 86400)}, ${si(t.gpuHours, "GPU-hours")}, ${siUnit(t.energyMWh * 1e6, "Wh")}, ${siUnit(t.co2eTonnes, "t")} CO2e, ${money(t.costUsd)}\n`,
    );
  }
  if (p.search) {
    const q = p.search;
    io.out(
      `search: ${si(q.space, "configurations")}, ${q.evaluated} estimated, ${q.feasible} fit; pruned exactly: ${si(q.prunedMemory, "")} memory, ${si(q.prunedDominated, "")} dominated, ${si(q.prunedBound, "")} by bound\n`,
    );
    printTable(
      io,
      [
        "rank",
        "tp",
        "pp",
        "dp",
        "cp",
        "vp",
        "mb",
        "recompute",
        "SP",
        "ZeRO",
        "TP comm",
        "offload",
        "ranks",
        "step",
        "MFU",
        "memory",
        "why",
      ],
      p.search.top.map((r) => [
        r.rank,
        r.parallel.tp,
        r.parallel.pp,
        r.parallel.dp,
        r.parallel.cp,
        r.parallel.vp,
        r.parallel.microBatch,
        r.parallel.recomputeLayers !== undefined ? `full×${r.parallel.recomputeLayers}` : r.parallel.recompute,
        String(r.parallel.sequenceParallel),
        r.parallel.zeroStage,
        `${r.parallel.tpComm ?? "-"}/${r.parallel.tpOverlap ?? "none"}`,
        [r.parallel.offloadOptimizer && "opt", r.parallel.offloadWeights && "w", r.parallel.offloadActivations && "act"]
          .filter(Boolean)
          .join("+") || "-",
        (r.parallel.rankOrder ?? ["tp", "cp", "dp", "pp"]).join(">"),
        duration(r.estimate.stepTimeS),
        percent(r.estimate.mfu),
        b(r.estimate.memory.totalBytes),
        r.reasons.slice(1).join("; "),
      ]),
    );
  }
  const changed = p.assumptions.filter((a) => a.overridden);
  io.out(
    `assumptions: ${p.assumptions.length} named factors (see --json)${changed.length ? `; overridden: ${changed.map((a) => `${a.name}=${a.value}`).join(", ")}` : ""}\n`,
  );
}

export function renderInference(io: Io, p: InferencePlan): void {
  io.out(`${p.scenario}: ${p.model} on ${p.accelerator}\n`);
  printTable(
    io,
    ["tp", "batch", "max batch", "TTFT", "ITL", "tokens/s", "tokens/s/GPU", "req/s/replica", "replicas", "GPUs"],
    p.options.map((o) => [
      o.tp,
      o.estimate.batch,
      o.estimate.maxBatch,
      duration(o.estimate.ttftS),
      duration(o.estimate.interTokenLatencyS),
      si(o.estimate.outputTokensPerS),
      si(o.estimate.outputTokensPerSPerGpu),
      si(o.requestsPerSPerReplica),
      o.replicas,
      o.gpus,
    ]),
  );
  if (p.best) io.out(`best: tp ${p.best.tp}${p.best.gpus !== undefined ? `, ${p.best.replicas} replicas = ${p.best.gpus} GPUs` : ""}\n`);
}

/**
 * A text bar for each value, scaled to the values' range (the smallest gets one mark, the largest
 * `width`): sites whose TCO differ by a few percent must not all show a full bar.
 */
export function rangeBars(values: readonly number[], width = 20): string[] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return values.map((v) => "#".repeat(hi > lo ? 1 + Math.round(((width - 1) * (v - lo)) / (hi - lo)) : width));
}

/** The plan's tables with the sites' TCO bars added to the sites table. */
function withBars(p: DatacenterPlan, quote: (bar: string) => string): PlanTable[] {
  const bars = rangeBars(p.sites.map((s) => s.tcoUsd));
  return datacenterTables(p).map((t) =>
    t.title?.startsWith("Sites") === true
      ? { ...t, header: [...t.header, "TCO (range)"], rows: t.rows.map((r, i) => [...r, quote(bars[i] ?? "")]) }
      : t,
  );
}

export function datacenterMarkdown(p: DatacenterPlan): string {
  const rows = (h: readonly string[], rs: readonly (readonly (string | number)[])[]): string =>
    [`| ${h.join(" | ")} |`, `| ${h.map(() => "---").join(" | ")} |`, ...rs.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const parts = [`# Data center plan: ${p.scenario}`, ""];
  for (const t of withBars(p, (b) => `\`${b}\``)) {
    if (t.title !== undefined) parts.push(`## ${t.title}`);
    parts.push(rows(t.header, t.rows), "");
  }
  return parts.join("\n");
}

/** `plan datacenter --format text`: the same tables as plain aligned text (no markdown syntax). */
export function datacenterText(p: DatacenterPlan): string {
  const parts = [`Data center plan: ${p.scenario}`, ""];
  for (const t of withBars(p, (b) => b)) {
    if (t.title !== undefined) parts.push(t.title);
    const cells = [t.header, ...t.rows].map((r) => r.map(String));
    const widths = t.header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
    for (const r of cells)
      parts.push(
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd(),
      );
    parts.push("");
  }
  return parts.join("\n");
}
