import { issue, type Catalog, type Issue } from "@aidc/core";
import { withAssumptions } from "../assumptions.js";
import { hardwareProfile } from "../hardware.js";
import { estimateContinuous, estimateStatic, type InferenceEstimate } from "../inference-batching.js";
import { decodeStepS, maxBatch, type InferenceProblem } from "../inference.js";
import { countShape, shapeFromModel } from "../shape.js";
import type { InferenceScenario } from "./schemas.js";

export interface InferenceOption {
  readonly tp: number;
  readonly estimate: InferenceEstimate;
  readonly meetsSlo: boolean;
  /** requests per second one replica sustains within the SLO */
  readonly requestsPerSPerReplica: number;
  readonly replicas?: number;
  readonly gpus?: number;
}

export interface InferencePlan {
  readonly scenario: string;
  readonly model: string;
  readonly accelerator: string;
  readonly options: readonly InferenceOption[];
  readonly best?: InferenceOption;
}

/** A request mix (e.g. from the Azure LLM traces): mean prompt/output lengths and arrival rate. */
export interface RequestMix {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly requestsPerS: number;
}

/** Summarize request rows (prompt tokens, output tokens, arrival seconds) into a mix. */
export function requestMix(
  rows: readonly { readonly inputTokens: number; readonly outputTokens: number; readonly arrivalS: number }[],
): RequestMix | undefined {
  if (rows.length < 2) return undefined;
  const first = Math.min(...rows.map((r) => r.arrivalS));
  const last = Math.max(...rows.map((r) => r.arrivalS));
  const n = rows.length;
  return {
    inputTokens: rows.reduce((s, r) => s + r.inputTokens, 0) / n,
    outputTokens: rows.reduce((s, r) => s + r.outputTokens, 0) / n,
    requestsPerS: last > first ? n / (last - first) : n,
  };
}

/** Largest continuous batch within the SLO (binary search; latency grows with batch). */
function sloBatch(pr: InferenceProblem, s: InferenceScenario, input: number, output: number, cap: number): InferenceEstimate | undefined {
  const ok = (e: InferenceEstimate): boolean =>
    (s.slo.ttftMs === undefined || e.ttftS * 1000 <= s.slo.ttftMs) &&
    (s.slo.itlMs === undefined || e.interTokenLatencyS * 1000 <= s.slo.itlMs);
  let lo = 1;
  let hi = Math.max(1, cap);
  if (!ok(estimateContinuous(pr, 1, input, output))) return undefined;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(estimateContinuous(pr, mid, input, output))) lo = mid;
    else hi = mid - 1;
  }
  return estimateContinuous(pr, lo, input, output);
}

/**
 * The problem with the scenario's speculative decoding. A draft model's step time relative to the target's comes
 * from the same decode model (same accelerator, precision and TP), at batch 1 and the mean context.
 */
function withSpeculation(pr: InferenceProblem, s: InferenceScenario, catalog: Catalog, context: number): InferenceProblem {
  const spec = s.speculative;
  if (!spec) return pr;
  let ratio = spec.draftStepRatio ?? 0;
  const d = spec.draftModel !== undefined ? catalog.lookup(spec.draftModel, "ModelArch") : undefined;
  const dShape = d?.found ? shapeFromModel(d.item) : undefined;
  if (dShape) {
    const shape = { ...dShape, seqLen: pr.shape.seqLen };
    const draft: InferenceProblem = { ...pr, shape, counts: countShape(shape), tp: Math.min(pr.tp, dShape.kvHeads, dShape.heads) };
    ratio = decodeStepS(draft, 1, context) / decodeStepS(pr, 1, context);
  }
  return { ...pr, speculative: { draftTokens: spec.draftTokens, acceptance: spec.acceptance, draftStepRatio: ratio } };
}

export function planInference(s: InferenceScenario, catalog: Catalog, mix?: RequestMix): { plan?: InferencePlan; issues: Issue[] } {
  const issues: Issue[] = [];
  for (const r of [
    catalog.checkRef(s.model, "ModelArch", ["model"]),
    catalog.checkRef(s.hardware.accelerator, "Accelerator", ["hardware", "accelerator"]),
  ])
    if (r) issues.push(r);
  const spec = s.speculative;
  if (spec?.draftModel !== undefined) {
    const r = catalog.checkRef(spec.draftModel, "ModelArch", ["speculative", "draftModel"]);
    if (r) issues.push(r);
  } else if (spec && spec.draftStepRatio === undefined)
    issues.push(
      issue(
        "missing_field",
        ["speculative", "draftStepRatio"],
        "speculative decoding needs draftModel or draftStepRatio (0 for n-gram lookup)",
      ),
    );
  const m = catalog.lookup(s.model, "ModelArch");
  const a = catalog.lookup(s.hardware.accelerator, "Accelerator");
  if (!m.found || !a.found || issues.length > 0) return { issues };
  const shape = shapeFromModel(m.item);
  if (!shape)
    return { issues: [issue("unsupported_model", "model", `inference planning needs a transformer; ${m.item.id} is ${m.item.family}`)] };
  const hw = hardwareProfile(a.item, catalog);
  const input = mix?.inputTokens ?? s.workload.inputTokens;
  const output = mix?.outputTokens ?? s.workload.outputTokens;
  const rate = mix?.requestsPerS ?? s.workload.requestsPerS;
  s.tp.forEach((tp, i) => {
    if (shape.heads % tp !== 0)
      issues.push(issue("invalid_parallelism", ["tp", i], `tp=${tp} does not divide the ${shape.heads} attention heads`));
  });
  if (issues.length > 0) return { issues };
  const options: InferenceOption[] = [];
  for (const tp of s.tp) {
    const base: InferenceProblem = {
      shape: { ...shape, seqLen: input + output },
      counts: countShape({ ...shape, seqLen: input + output }),
      hw,
      assumptions: withAssumptions(s.assumptions),
      precision: s.precision,
      kvPrecision: s.kvPrecision,
      tp,
      ...(s.prefixCache ? { prefixHitRate: s.prefixCache.hitRate } : {}),
    };
    const pr = withSpeculation(base, s, catalog, input + output / 2);
    const cap = maxBatch(pr, input + output);
    if (cap < 1) continue;
    const est =
      s.workload.batch !== undefined
        ? estimateStatic(pr, s.workload.batch, input, output)
        : sloBatch(pr, s, input, output, Math.min(cap, 4096));
    if (!est) continue;
    const perReplica = est.outputTokensPerS / output;
    const replicas = rate !== undefined ? Math.max(1, Math.ceil(rate / perReplica)) : undefined;
    options.push({
      tp,
      estimate: est,
      meetsSlo: true,
      requestsPerSPerReplica: perReplica,
      ...(replicas !== undefined ? { replicas, gpus: replicas * tp } : {}),
    });
  }
  if (options.length === 0) {
    return {
      issues: [
        issue(
          "does_not_fit",
          "tp",
          `no tensor-parallel degree in [${s.tp.join(", ")}] fits ${m.item.id} on ${hw.accelerator} within the SLO`,
        ),
      ],
    };
  }
  const score = (o: InferenceOption): number => o.gpus ?? o.tp / o.estimate.outputTokensPerS;
  const best = [...options].sort((x, y) => score(x) - score(y))[0];
  return { plan: { scenario: s.name, model: m.item.id, accelerator: hw.accelerator, options, ...(best ? { best } : {}) }, issues: [] };
}
