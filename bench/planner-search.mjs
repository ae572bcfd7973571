// Parallelism search throughput: configurations evaluated per second on one core, for a 70B model on 1,024 H100s
// (the `aidc plan train --search` case) and a 405B model on 16,384 GPUs. Run after `npx tsc -b`:
//   node bench/planner-search.mjs   → one JSON document
import { performance } from "node:perf_hooks";
import { defaultCatalog } from "../packages/core/dist/index.js";
import { DEFAULT_ASSUMPTIONS, countShape, hardwareProfile, searchParallelism, shapeFromModel } from "../packages/planner/dist/index.js";

const catalog = defaultCatalog();
function problem(modelId, accId, seqLen) {
  const shape = shapeFromModel(catalog.get(modelId, "ModelArch"), seqLen);
  const hw = hardwareProfile(catalog.get(accId, "Accelerator"), catalog);
  const options = { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: true };
  return { shape, counts: countShape(shape), hw, options, assumptions: DEFAULT_ASSUMPTIONS };
}

function run(name, pr, space, minMs = 1500) {
  let evaluated = 0;
  let runs = 0;
  let result;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    result = searchParallelism(pr, space, 5);
    evaluated += result.evaluated;
    runs++;
  }
  const ms = performance.now() - t0;
  const best = result.top[0];
  return {
    name,
    gpus: space.gpus,
    configsPerSearch: result.evaluated,
    feasible: result.feasible,
    searchMs: Math.round((ms / runs) * 100) / 100,
    configsPerS: Math.round(evaluated / (ms / 1000)),
    best: best
      ? { ...best.parallel, stepTimeS: Number(best.estimate.stepTimeS.toFixed(3)), mfu: Number(best.estimate.mfu.toFixed(3)) }
      : null,
  };
}

const cases = [
  run("llama-3-70b on 1024 x h100", problem("llama-3-70b", "h100-sxm5-80gb", 8192), { gpus: 1024, globalBatch: 2048 }),
  run("llama-3.1-405b on 16384 x h100", problem("llama-3.1-405b", "h100-sxm5-80gb", 8192), { gpus: 16384, globalBatch: 2048 }),
  run("deepseek-v3 on 2048 x h100", problem("deepseek-v3", "h100-sxm5-80gb", 4096), { gpus: 2048, globalBatch: 8192 }),
];
const min = Math.min(...cases.map((c) => c.configsPerS));
console.log(
  JSON.stringify(
    { bench: "planner-search", node: process.version, target: 10000, minConfigsPerS: min, meetsTarget: min >= 10000, cases },
    null,
    2,
  ),
);
