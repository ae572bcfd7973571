import type { DatacenterPlan, InferencePlan, TrainingPlan } from "@aidc/planner";
import { printTable, type Io } from "../output.js";
import { datacenterTables } from "../report/datacenter-tables.js";

const f = (x: number, d = 1): string => (Math.abs(x) >= 1e6 ? x.toExponential(3) : x.toFixed(d));
const gb = (b: number): string => (b / 1e9).toFixed(1);

export function renderTraining(io: Io, p: TrainingPlan): void {
  io.out(`${p.scenario}: ${p.model} on ${p.gpus} x ${p.accelerator}\n`);
  if (p.simple) {
    const s = p.simple;
    io.out(
      `forward ${f(s.forwardFlopsPerSample / 1e6)} MFLOP/sample, training ${f(s.trainFlopsPerSample / 1e6)} MFLOP/sample, ~${f(s.samplesPerS, 0)} samples/s at batch ${s.batch}, ${f(s.memoryGB, 3)} GB of weights+optimizer\n`,
    );
    if (s.trainingS !== undefined) io.out(`training time: ${f(s.trainingS / 60)} minutes\n`);
    return;
  }
  const e = p.estimate;
  const par = p.parallel;
  if (!e || !par) return;
  io.out(
    `parallelism: tp ${par.tp} x pp ${par.pp} x dp ${par.dp} x cp ${par.cp}${par.ep > 1 ? ` x ep ${par.ep}` : ""}, vp ${par.vp}, micro-batch ${par.microBatch}, global batch ${par.globalBatch}, recompute ${par.recompute}, SP ${par.sequenceParallel}, ZeRO ${par.zeroStage}\n`,
  );
  io.out(
    `step ${f(e.stepTimeS, 3)} s, ${f(e.tokensPerS, 0)} tokens/s (${f(e.tokensPerSPerGpu, 0)}/GPU), model ${f(e.modelTflopsPerGpu)} TFLOP/s/GPU, MFU ${f(100 * e.mfu)}%, HFU ${f(100 * e.hfu)}%\n`,
  );
  printTable(
    io,
    ["step part", "seconds", "share %"],
    Object.entries(e.breakdown).map(([k, v]) => [k, Number(v.toPrecision(4)), Number(((100 * v) / e.stepTimeS).toFixed(1))]),
  );
  const m = e.memory;
  io.out(
    `memory per GPU: weights ${gb(m.weightsBytes)} + grads ${gb(m.gradsBytes)} + optimizer ${gb(m.optimizerBytes)} + activations ${gb(m.activationsBytes)} + buffers ${gb(m.buffersBytes)} = ${gb(m.totalBytes)} of ${gb(e.memoryCapacityBytes)} GB (${e.fits ? "fits" : "does NOT fit"})\n`,
  );
  if (p.totals) {
    const t = p.totals;
    io.out(
      `${f(t.tokens / 1e9, 0)}B tokens: ${f(t.wallClockDays)} days, ${f(t.gpuHours, 0)} GPU-hours, ${f(t.energyMWh)} MWh, ${f(t.co2eTonnes)} t CO2e, $${f(t.costUsd, 0)}\n`,
    );
  }
  if (p.search) {
    io.out(`search: ${p.search.evaluated} configurations, ${p.search.feasible} fit, ${p.search.prunedMemory} pruned (memory)\n`);
    printTable(
      io,
      ["rank", "tp", "pp", "dp", "cp", "vp", "mb", "recompute", "SP", "ZeRO", "step s", "MFU %", "mem GB", "why"],
      p.search.top.map((r) => [
        r.rank,
        r.parallel.tp,
        r.parallel.pp,
        r.parallel.dp,
        r.parallel.cp,
        r.parallel.vp,
        r.parallel.microBatch,
        r.parallel.recompute,
        String(r.parallel.sequenceParallel),
        r.parallel.zeroStage,
        Number(r.estimate.stepTimeS.toPrecision(4)),
        Number((100 * r.estimate.mfu).toFixed(1)),
        Number(gb(r.estimate.memory.totalBytes)),
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
    ["tp", "batch", "max batch", "TTFT ms", "ITL ms", "tok/s", "tok/s/GPU", "req/s/replica", "replicas", "GPUs"],
    p.options.map((o) => [
      o.tp,
      o.estimate.batch,
      o.estimate.maxBatch,
      Number((1000 * o.estimate.ttftS).toFixed(1)),
      Number((1000 * o.estimate.interTokenLatencyS).toFixed(2)),
      Math.round(o.estimate.outputTokensPerS),
      Math.round(o.estimate.outputTokensPerSPerGpu),
      Number(o.requestsPerSPerReplica.toFixed(2)),
      o.replicas,
      o.gpus,
    ]),
  );
  if (p.best) io.out(`best: tp ${p.best.tp}${p.best.gpus !== undefined ? `, ${p.best.replicas} replicas = ${p.best.gpus} GPUs` : ""}\n`);
}

export function datacenterMarkdown(p: DatacenterPlan): string {
  const rows = (h: readonly string[], rs: readonly (readonly (string | number)[])[]): string =>
    [`| ${h.join(" | ")} |`, `| ${h.map(() => "---").join(" | ")} |`, ...rs.map((r) => `| ${r.join(" | ")} |`)].join("\n");
  const bar = (x: number, max: number): string => "#".repeat(Math.max(1, Math.round((20 * x) / max)));
  const maxTco = Math.max(...p.sites.map((s) => s.tcoUsd));
  const parts = [`# Data center plan: ${p.scenario}`, ""];
  for (const t of datacenterTables(p)) {
    // the sites table gets a text bar of its TCO
    const sites = t.title?.startsWith("Sites") === true;
    const body = sites ? t.rows.map((r, i) => [...r, `\`${bar(p.sites[i]?.tcoUsd ?? 0, maxTco)}\``]) : t.rows;
    if (t.title !== undefined) parts.push(`## ${t.title}`);
    parts.push(rows(sites ? [...t.header, ""] : t.header, body), "");
  }
  return parts.join("\n");
}
