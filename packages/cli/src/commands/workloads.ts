import type { Command } from "commander";
import { InvalidInputError, type Issue } from "@aidc/core";
import {
  ModelPackageError,
  PRESETS,
  binaryMetrics,
  explainLime,
  explainOcclusion,
  explainShap,
  labelOf,
  loadModelPackage,
  readLabeled,
  topTokens,
  trainSentiment,
  type Preset,
} from "@aidc/workloads";
import { resolveDataArg } from "../data/cache.js";
import { paint, printJson, printTable, type Io } from "../output.js";
import { startProgress, type Progress } from "../progress.js";
import { dpOptionsFromFlags, privacyLine, type DpFlags } from "./privacy.js";

function bad(path: string, message: string): InvalidInputError {
  return new InvalidInputError(`Invalid ${path}`, [{ code: "invalid_value", path, message }]);
}

function parseHyper(pairs: readonly string[]): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  const issues: Issue[] = [];
  for (const p of pairs) {
    const m = /^([A-Za-z]\w*)=(.+)$/.exec(p);
    const value = m?.[2] === "true" ? true : m?.[2] === "false" ? false : Number(m?.[2]);
    if (!m?.[1] || (typeof value === "number" && !Number.isFinite(value))) {
      issues.push({ code: "invalid_value", path: "--hyper", message: `"${p}" is not key=number or key=true|false` });
    } else out[m[1]] = value;
  }
  if (issues.length > 0) throw new InvalidInputError("Invalid --hyper", issues);
  return out;
}

function positiveInt(path: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw bad(path, `must be a positive whole number, got "${v}"`);
  return n;
}

const fmt = (x: number): string => x.toFixed(4);

/** A labeled-data argument: a JSONL(.gz) file, or a dataset name (`imdb` = its train split, `imdb/test`). */
const dataPath = (arg: string, option: string): string => resolveDataArg(arg, option).path;

/** A model package the user named; one that is missing or not a package is bad input (exit 2), not a crash. */
async function loadModel(dir: string): ReturnType<typeof loadModelPackage> {
  try {
    return await loadModelPackage(dir);
  } catch (e) {
    if (e instanceof ModelPackageError)
      throw new InvalidInputError(e.message, [{ code: "invalid_model", path: "--model", message: e.message }]);
    throw e;
  }
}

interface TrainOpts extends DpFlags {
  preset: string;
  data: string;
  out: string;
  evalData?: string;
  limit?: string;
  hyper: string[];
  checkpointDir?: string;
  resume?: boolean;
  json?: boolean;
}

export function registerWorkloads(program: Command, io: Io): void {
  program
    .command("train")
    .description("train a built-in workload and write its model package")
    .argument("<workload>", 'the workload to train (today: "sentiment")')
    .requiredOption("--data <file|dataset>", "labeled JSONL(.gz) with text and label (0|1) fields, or imdb (aidc data fetch imdb)")
    .requiredOption("--out <dir>", "model package directory to write")
    .option("--preset <preset>", `${PRESETS.join("|")}`, "fast")
    .option("--eval-data <file|dataset>", "also evaluate on this labeled file (or e.g. imdb/test) and store the metrics in the package")
    .option("--limit <rows>", "use only the first rows of --data")
    .option("--hyper <key=value...>", "override hyper-parameters (e.g. epochs=3)", [])
    .option("--checkpoint-dir <dir>", "seed preset: checkpoint after every epoch here")
    .option("--resume", "seed preset: continue from the checkpoint in --checkpoint-dir")
    .option("--dp-epsilon <e>", "train with differential privacy (DP-SGD, fast preset) to at most this ε")
    .option("--dp-delta <d>", "δ of the DP guarantee (required with --dp-epsilon; below 1/rows, e.g. 1e-5)")
    .option("--dp-clip <c>", "DP: per-example gradient clipping norm (default 1)")
    .option("--dp-batch <n>", "DP: expected batch size of the Poisson sample (default 4096, at most 16 % of the rows; seed preset 256)")
    .option("--dp-epochs <n>", "DP: planned epochs; the noise is chosen so they fit the budget (default 20; seed preset 3)")
    .option("--dp-noise <sigma>", "DP: a fixed noise multiplier instead of choosing it; training stops before --dp-epsilon")
    .option("--dp-vocab <file>", "DP, seed preset: a public vocabulary (vocab.json of a seed package, or one word per line)")
    .option("--json", "print the model manifest as JSON")
    .action(async (workload: string, o: TrainOpts) => {
      if (workload !== "sentiment") throw bad("workload", `unknown workload "${workload}"; available: sentiment`);
      if (!PRESETS.includes(o.preset as Preset)) throw bad("--preset", `must be one of ${PRESETS.join(", ")}, got "${o.preset}"`);
      const limit = positiveInt("--limit", o.limit);
      const dp = dpOptionsFromFlags(o);
      const data = dataPath(o.data, "--data");
      const evalData = o.evalData === undefined ? undefined : dataPath(o.evalData, "--eval-data");
      const pio: Io = { ...io, json: o.json === true };
      // one bar per seed epoch (stderr on a terminal only), then the epoch's line
      let bar: Progress | undefined;
      let barEpoch = 0;
      const line = (text: string): void => {
        bar?.done();
        bar = undefined;
        io.err(`${text}\n`);
      };
      const r = await trainSentiment({
        preset: o.preset as Preset,
        dataPath: data,
        outDir: o.out,
        hyper: parseHyper(o.hyper),
        resume: o.resume ?? false,
        ...(evalData === undefined ? {} : { evalPath: evalData }),
        ...(limit === undefined ? {} : { limit }),
        ...(o.checkpointDir === undefined ? {} : { checkpointDir: o.checkpointDir }),
        ...(dp === undefined ? {} : { dp }),
        ...(o.dpVocab === undefined ? {} : { publicVocabPath: o.dpVocab }),
        onDpEpoch: (e) => line(`epoch ${e.epoch}: ε ${e.epsilon.toFixed(3)} (δ=${e.delta}) after ${e.steps} steps`),
        onFastEpoch: (e) => line(`epoch ${e.epoch}: loss ${fmt(e.loss)} accuracy ${fmt(e.accuracy)}`),
        onSeedBatch: (p) => {
          if (bar === undefined || barEpoch !== p.epoch) {
            bar?.done();
            bar = startProgress(pio, `epoch ${p.epoch} (batches)`, p.batches);
            barEpoch = p.epoch;
          }
          bar.set(p.batch);
        },
        onSeedEpoch: (e) =>
          line(
            `epoch ${e.epoch}: loss ${fmt(e.loss)} accuracy ${fmt(e.accuracy)} val_loss ${fmt(e.valLoss)} val_accuracy ${fmt(e.valAccuracy)} (${e.durationS.toFixed(1)} s)`,
          ),
      });
      bar?.done();
      r.model.dispose();
      if (o.json) printJson(io, { out: o.out, finished: r.finished, manifest: r.manifest });
      else {
        const m = r.manifest;
        io.out(
          `${paint(io, "green", "trained")} ${m.preset} sentiment model → ${o.out} in ${m.training.durationS.toFixed(1)} s on ${m.training.rows} rows\n`,
        );
        for (const [name, s] of Object.entries(m.metrics)) {
          io.out(`${name}: accuracy ${fmt(s.accuracy)} f1 ${fmt(s.f1)} auc ${fmt(s.auc)} (n=${s.n})\n`);
        }
        if (m.privacy) io.out(`${privacyLine(m.privacy)}\n`);
      }
    });

  program
    .command("eval")
    .description("evaluate a model package on a labeled JSONL(.gz) file")
    .requiredOption("--model <dir>", "model package directory")
    .requiredOption("--data <file|dataset>", "labeled JSONL(.gz) with text and label fields, or a dataset (e.g. imdb/test)")
    .option("--json", 'print {"n","accuracy","precision","recall","f1","auc","confusion","privacy"}')
    .action(async (o: { model: string; data: string; json?: boolean }) => {
      const data = await readLabeled(dataPath(o.data, "--data"));
      const { model, manifest } = await loadModel(o.model);
      const m = binaryMetrics(data.labels, await model.predict(data.texts));
      model.dispose();
      // the model's DP budget travels with its figures: null when it was trained without DP
      if (o.json) printJson(io, { ...m, privacy: manifest.privacy ?? null });
      else {
        printTable(io, ["n", "accuracy", "precision", "recall", "f1", "auc"], [[m.n, m.accuracy, m.precision, m.recall, m.f1, m.auc]]);
        io.out(`confusion (rows: true 0/1, columns: predicted 0/1): ${JSON.stringify(m.confusion)}\n`);
        io.out(`${privacyLine(manifest.privacy)}\n`);
      }
    });

  program
    .command("predict")
    .description("score texts with a model package")
    .requiredOption("--model <dir>", "model package directory")
    .argument("[texts...]", "texts to score")
    .option("--file <jsonl>", "score the text field of every row of a JSONL(.gz) file")
    .option("--json", 'print {"predictions":[{"text","label","score"}]}')
    .action(async (texts: string[], o: { model: string; file?: string; json?: boolean }) => {
      const all = [...texts, ...(o.file === undefined ? [] : (await readLabeled(o.file, { unlabeled: true })).texts)];
      if (all.length === 0) throw bad("texts", "give at least one text or --file");
      const { model } = await loadModel(o.model);
      const scores = await model.predict(all);
      model.dispose();
      const predictions = all.map((text, i) => ({ text, label: labelOf(scores[i] ?? 0), score: scores[i] ?? 0 }));
      if (o.json) printJson(io, { predictions });
      else
        printTable(
          io,
          ["label", "score", "text"],
          predictions.map((p) => [p.label, Number(p.score.toFixed(4)), p.text.slice(0, 80)]),
        );
    });

  program
    .command("explain")
    .description("which words drove a prediction (occlusion, a LIME-style local surrogate, or SHAP)")
    .requiredOption("--model <dir>", "model package directory")
    .argument("<text>", "the text to explain")
    .option("--method <method>", "occlusion|lime|shap (shap: exact for the fast preset, KernelSHAP for the LSTM)", "occlusion")
    .option("--top <n>", "how many tokens to show", "10")
    .option("--samples <n>", "LIME: perturbed samples; SHAP on the LSTM: KernelSHAP coalitions", "500")
    .option("--seed <n>", "LIME/KernelSHAP: random seed (same seed, same explanation)", "1")
    .option("--json", 'print {"method","score","label","tokens":[{"token","index","weight"}],"output","base"}')
    .action(async (text: string, o: { model: string; method: string; top: string; samples: string; seed: string; json?: boolean }) => {
      if (o.method !== "occlusion" && o.method !== "lime" && o.method !== "shap") {
        throw bad("--method", `must be occlusion, lime or shap, got "${o.method}"`);
      }
      const top = positiveInt("--top", o.top) ?? 10;
      const samples = positiveInt("--samples", o.samples) ?? 500;
      const seed = positiveInt("--seed", o.seed) ?? 1;
      const { model } = await loadModel(o.model);
      const e =
        o.method === "lime"
          ? await explainLime(model, text, { samples, seed })
          : o.method === "shap"
            ? await explainShap(model, text, { samples, seed })
            : await explainOcclusion(model, text);
      model.dispose();
      if (o.json) printJson(io, e);
      else {
        io.out(`${e.label} (score ${fmt(e.score)}), ${e.method}: the words that moved it most\n`);
        // SHAP's values are log-odds that add up from the empty text's value to this one's
        if (e.output === "log-odds") io.out(`weights in log-odds from the empty text's ${fmt(e.base ?? 0)}\n`);
        printTable(
          io,
          ["token", "position", "weight"],
          topTokens(e, top).map((t) => [t.token, t.index, Number(t.weight.toFixed(4))]),
        );
      }
    });
}
