// How the planner's named efficiency factors were fitted: coordinate search over each factor (9 values in its range),
// minimising 0.5 x median + 0.5 x mean of |error| (capped at 60 %) over the chosen kinds of planner-validation.yaml.
// The shipped defaults should come out as (near) a local optimum. Run after `npx tsc -b` (CPU-heavy, ~1 min):
//   node bench/planner-calibrate.mjs [training|inference]   → one JSON document
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { defaultCatalog } from "../packages/core/dist/index.js";
import { checkValidation, DEFAULT_ASSUMPTIONS } from "../packages/planner/dist/index.js";

const file = fileURLToPath(new URL("../examples/data/planner-validation.yaml", import.meta.url));
const mode = process.argv[2] ?? "training";
const SETS = {
  training: {
    kinds: ["training_throughput", "training_step_time"],
    ranges: {
      gemmEfficiencyMax: [0.7, 0.9],
      gemmHalfSizePerBalance: [0, 1.6],
      lowPrecisionGemmRatio: [0.6, 0.9],
      attentionEfficiency: [0.3, 0.7],
      tpOverlap: [0, 0.8],
      stepOverheadS: [0, 0.16],
    },
  },
  inference: {
    kinds: ["inference_throughput", "inference_latency"],
    ranges: {
      prefillEfficiency: [0.3, 0.9],
      decodeBandwidthEfficiency: [0.5, 0.95],
      decodeLayerOverheadS: [0, 4e-5],
      kvCacheMemoryFraction: [0.6, 0.95],
    },
  },
};
const set = SETS[mode];
const catalog = defaultCatalog();
const entries = parse(readFileSync(file, "utf8")).entries.filter((e) => set.kinds.includes(e.kind));
const shipped = Object.fromEntries(Object.keys(set.ranges).map((k) => [k, DEFAULT_ASSUMPTIONS[k]]));

function loss() {
  const errs = checkValidation(entries, catalog).entries.flatMap((e) => Object.values(e.errorPct).map((v) => Math.min(Math.abs(v), 60)));
  errs.sort((a, b) => a - b);
  const median = errs[Math.floor(errs.length / 2)];
  const mean = errs.reduce((s, x) => s + x, 0) / errs.length;
  return { loss: 0.5 * median + 0.5 * mean, median, mean };
}

const start = loss();
let best = start;
for (const [k, [lo, hi]] of Object.entries(set.ranges)) {
  let bestV = DEFAULT_ASSUMPTIONS[k];
  for (let i = 0; i <= 8; i++) {
    DEFAULT_ASSUMPTIONS[k] = lo + ((hi - lo) * i) / 8;
    const r = loss();
    if (r.loss < best.loss - 1e-9) {
      best = r;
      bestV = DEFAULT_ASSUMPTIONS[k];
    }
  }
  DEFAULT_ASSUMPTIONS[k] = bestV;
}
const round = (x) => Math.round(x * 1000) / 1000;
const fitted = Object.fromEntries(Object.keys(set.ranges).map((k) => [k, round(DEFAULT_ASSUMPTIONS[k])]));
console.log(
  JSON.stringify(
    { bench: "planner-calibrate", mode, entries: entries.length, shipped, shippedLoss: start, fitted, fittedLoss: best },
    null,
    2,
  ),
);
