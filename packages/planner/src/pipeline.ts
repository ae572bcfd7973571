import { issue, type Issue } from "@aidc/core";
import type { ParallelConfig } from "./parallel.js";
import type { TransformerShape } from "./shape.js";

/**
 * How the transformer layers are spread over the pipeline stages.
 *
 * Rules, in order:
 * - "stated": `firstStageLayers` and/or `lastStageLayers` are given (Megatron `--decoder-first-pipeline-num-layers`,
 *   `--decoder-last-pipeline-num-layers`); the other stages share the remaining layers evenly, and when they do not
 *   divide, the extra layers go to the LAST of those stages (a later stage keeps fewer 1F1B micro-batches in flight,
 *   so it can afford one more layer).
 * - "even": pp divides the layer count and nothing is stated: layers / pp on every stage.
 * - "embedding-loss-as-layers": pp does not divide the layers and nothing is stated. Megatron's
 *   `--account-for-embedding-in-pipeline-split --account-for-loss-in-pipeline-split`: the embedding counts as one layer
 *   on the first stage and the logits + loss as one layer on the last, so (layers + 2) units are split evenly; any
 *   remainder unit goes to the last stages. Llama 3.1 405B (126 layers, pp 16) gives 7 / 8 ×14 / 7, the layout of
 *   Meta's Llama 3 paper (§3.3.2: one layer fewer on the first and the last stage); DeepSeek-V3 (61 layers, pp 16)
 *   gives 2 / 4 ×14 / 3.
 * The embedding always sits on stage 0, the logits and loss on stage pp − 1.
 */
export type StageRule = "even" | "stated" | "embedding-loss-as-layers";

export interface StageLayout {
  /** transformer layers held by each stage, index 0 = first stage (embedding), pp − 1 = last (logits + loss) */
  readonly layers: readonly number[];
  readonly rule: StageRule;
  readonly embeddingStage: number;
  readonly lossStage: number;
  /** the largest layer count over the stages (the compute-heaviest stage, before embedding/logit work) */
  readonly maxLayers: number;
}

const cache = new WeakMap<TransformerShape, Map<number, StageLayout>>();

/** Layers per pipeline stage for a shape and a parallel config (see StageRule). Never throws; check with checkStageLayout. */
export function stageLayout(shape: TransformerShape, p: ParallelConfig): StageLayout {
  // a numeric key (pp, first + 1, last + 1 in base 4096; 0 = unstated): no string building in the search loop
  const key = p.pp + 4096 * ((p.firstStageLayers ?? -1) + 1) + 4096 * 4096 * ((p.lastStageLayers ?? -1) + 1);
  let byKey = cache.get(shape);
  if (!byKey) {
    byKey = new Map();
    cache.set(shape, byKey);
  }
  const hit = byKey.get(key);
  if (hit) return hit;
  const layout = computeLayout(shape.layers, Math.max(1, Math.floor(p.pp)), p.firstStageLayers, p.lastStageLayers);
  byKey.set(key, layout);
  return layout;
}

function computeLayout(total: number, pp: number, first: number | undefined, last: number | undefined): StageLayout {
  const out = new Array<number>(pp).fill(0);
  let rule: StageRule;
  if (pp === 1) {
    out[0] = total;
    rule = first !== undefined || last !== undefined ? "stated" : "even";
  } else if (first !== undefined || last !== undefined) {
    rule = "stated";
    if (first !== undefined) out[0] = first;
    if (last !== undefined) out[pp - 1] = last;
    const free: number[] = [];
    for (let i = 0; i < pp; i++) if ((i !== 0 || first === undefined) && (i !== pp - 1 || last === undefined)) free.push(i);
    spread(out, free, total - (first ?? 0) - (last ?? 0));
  } else if (total % pp === 0) {
    rule = "even";
    out.fill(total / pp);
  } else {
    rule = "embedding-loss-as-layers";
    const units = total + 2;
    const base = Math.floor(units / pp);
    const extra = units - base * pp;
    for (let i = 0; i < pp; i++) out[i] = base + (i >= pp - extra ? 1 : 0);
    out[0] = out[0]! - 1;
    out[pp - 1] = out[pp - 1]! - 1;
  }
  let maxLayers = 0;
  for (const l of out) maxLayers = Math.max(maxLayers, l);
  return { layers: out, rule, embeddingStage: 0, lossStage: pp - 1, maxLayers };
}

/** Spread `n` layers evenly over the stages listed in `free`; the remainder goes to the last of them. */
function spread(out: number[], free: readonly number[], n: number): void {
  if (free.length === 0) return;
  const left = Math.max(0, n);
  const base = Math.floor(left / free.length);
  const extra = left - base * free.length;
  free.forEach((s, k) => (out[s] = base + (k >= free.length - extra ? 1 : 0)));
}

/** Layers each virtual-pipeline chunk of a stage holds (the stage's layers split over vp chunks, larger chunks last). */
export function chunkLayers(stageLayers: number, vp: number): number[] {
  const v = Math.max(1, Math.floor(vp));
  const base = Math.floor(stageLayers / v);
  const extra = stageLayers - base * v;
  return Array.from({ length: v }, (_, k) => base + (k >= v - extra ? 1 : 0));
}

/**
 * Legality of the stage layout of a stated configuration; one Issue per violated rule, naming the field
 * (`<prefix>.pp`, `<prefix>.firstStageLayers`, `<prefix>.lastStageLayers`, `<prefix>.vp`).
 */
export function checkStageLayout(shape: TransformerShape, p: ParallelConfig, prefix = "parallelism"): Issue[] {
  const out: Issue[] = [];
  const L = shape.layers;
  const f = p.firstStageLayers;
  const l = p.lastStageLayers;
  if (!Number.isInteger(p.pp) || p.pp < 1) {
    out.push(issue("invalid_parallelism", `${prefix}.pp`, `pp=${p.pp} must be a positive integer`));
    return out;
  }
  if (p.pp > L) out.push(issue("invalid_parallelism", `${prefix}.pp`, `pp=${p.pp} exceeds the ${L} layers of ${shape.name}`));
  for (const [name, v] of [
    ["firstStageLayers", f],
    ["lastStageLayers", l],
  ] as const) {
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1)
      out.push(issue("invalid_parallelism", `${prefix}.${name}`, `${name}=${v} must be a positive whole number of layers`));
    else if (p.pp === 1 && v !== L)
      out.push(issue("invalid_parallelism", `${prefix}.${name}`, `${name}=${v} needs pp > 1 (one stage holds all ${L} layers)`));
  }
  if (out.length > 0) return out;
  if (p.pp > 1) {
    const stated = (f ?? 0) + (l ?? 0);
    const freeStages = p.pp - (f !== undefined ? 1 : 0) - (l !== undefined ? 1 : 0);
    const field = `${prefix}.${f !== undefined ? "firstStageLayers" : "lastStageLayers"}`;
    if (stated > L || (freeStages === 0 && stated !== L))
      out.push(
        issue(
          "invalid_parallelism",
          field,
          `first + last stage layers = ${stated} but ${shape.name} has ${L} layers over pp=${p.pp} stages${freeStages === 0 ? " (they must add up)" : ""}`,
        ),
      );
    else if (freeStages > 0 && L - stated < freeStages)
      out.push(issue("invalid_parallelism", field, `${L - stated} layers left cannot fill the ${freeStages} other stages`));
  }
  if (out.length > 0) return out;
  const layout = stageLayout(shape, p);
  const empty = layout.layers.findIndex((n) => n < 1);
  if (empty >= 0) out.push(issue("invalid_parallelism", `${prefix}.pp`, `pp=${p.pp} leaves stage ${empty} without a layer`));
  const vp = p.vp;
  if (vp > 1) {
    const small = layout.layers.findIndex((n) => n < vp);
    if (small >= 0)
      out.push(
        issue(
          "invalid_parallelism",
          `${prefix}.vp`,
          `vp=${vp} model chunks per stage but stage ${small} holds ${layout.layers[small]} layer(s) (${layout.rule} split)`,
        ),
      );
  }
  return out;
}
