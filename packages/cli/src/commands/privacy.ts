import type { Command } from "commander";
import { InvalidInputError, type Issue } from "@aidc/core";
import { noiseForEpsilon, rdpEpsilon, type DpOptions, type PrivacyRecord, type RdpConversion } from "@aidc/workloads";
import { printJson, printTable, type Io } from "../output.js";

/**
 * `aidc privacy epsilon|noise`: the RDP accountant for planning a budget before training, and the helpers that
 * turn `aidc train --dp-*` flags into DP options and print a model's budget (used by `train` and `eval`).
 */

function number(path: string, v: string | undefined, issues: Issue[], check: (n: number) => boolean, want: string): number {
  const n = Number(v);
  if (v === undefined || v.trim() === "" || !Number.isFinite(n) || !check(n)) {
    issues.push({ code: "invalid_value", path, message: `must be ${want}, got ${JSON.stringify(v ?? null)}` });
    return NaN;
  }
  return n;
}

const RATE = (n: number): boolean => n > 0 && n <= 1;
const DELTA = (n: number): boolean => n > 0 && n < 1;
const POS = (n: number): boolean => n > 0;
const COUNT = (n: number): boolean => Number.isInteger(n) && n >= 0;
const WHOLE = (n: number): boolean => Number.isInteger(n) && n >= 1;

function conversionOf(v: string | undefined, issues: Issue[]): RdpConversion {
  if (v === undefined || v === "improved") return "improved";
  if (v === "classic") return "classic";
  issues.push({ code: "invalid_value", path: "--conversion", message: `must be improved or classic, got "${v}"` });
  return "improved";
}

export interface DpFlags {
  dpEpsilon?: string;
  dpDelta?: string;
  dpClip?: string;
  dpBatch?: string;
  dpEpochs?: string;
  dpNoise?: string;
  /** Seed preset: a public vocabulary file (not part of the DP options: it is an input, not a parameter). */
  dpVocab?: string;
}

/** The DP options the `--dp-*` flags ask for, or undefined when none is given. */
export function dpOptionsFromFlags(f: DpFlags): DpOptions | undefined {
  const given = [f.dpEpsilon, f.dpDelta, f.dpClip, f.dpBatch, f.dpEpochs, f.dpNoise].some((v) => v !== undefined);
  if (!given) return undefined;
  const issues: Issue[] = [];
  if (f.dpEpsilon === undefined && f.dpNoise === undefined)
    issues.push({
      code: "required",
      path: "--dp-epsilon",
      message: "differentially private training needs a target --dp-epsilon (or --dp-noise)",
    });
  if (f.dpDelta === undefined)
    issues.push({ code: "required", path: "--dp-delta", message: "is required with --dp-epsilon (e.g. 1e-5, below 1/rows)" });
  const opt = (path: string, v: string | undefined, check: (n: number) => boolean, want: string): number | undefined =>
    v === undefined ? undefined : number(path, v, issues, check, want);
  const epsilon = opt("--dp-epsilon", f.dpEpsilon, POS, "a number > 0");
  const delta = opt("--dp-delta", f.dpDelta, DELTA, "a number in (0, 1)");
  const clip = opt("--dp-clip", f.dpClip, POS, "a number > 0");
  const batch = opt("--dp-batch", f.dpBatch, WHOLE, "a whole number ≥ 1");
  const epochs = opt("--dp-epochs", f.dpEpochs, WHOLE, "a whole number ≥ 1");
  const noise = opt("--dp-noise", f.dpNoise, POS, "a number > 0");
  if (issues.length > 0) throw new InvalidInputError("Invalid differential-privacy flags", issues);
  return {
    delta: delta as number,
    ...(epsilon === undefined ? {} : { epsilon }),
    ...(clip === undefined ? {} : { clip }),
    ...(batch === undefined ? {} : { batch }),
    ...(epochs === undefined ? {} : { epochs }),
    ...(noise === undefined ? {} : { noiseMultiplier: noise }),
  };
}

/** One line saying what a model's privacy budget is (or that it has none). */
export function privacyLine(p: PrivacyRecord | undefined): string {
  if (p === undefined) return "privacy: none (trained without differential privacy)";
  const target = p.targetEpsilon === null ? "" : ` of target ${p.targetEpsilon}`;
  const stop = p.stoppedByBudget ? ", stopped early by the budget" : "";
  return (
    `privacy: (ε=${p.epsilon.toFixed(3)}${target}, δ=${p.delta}) DP-SGD, RDP accountant; σ=${p.noiseMultiplier.toFixed(4)} ` +
    `clip=${p.clipNorm} q=${p.samplingRate.toPrecision(4)} (Poisson, batch≈${p.expectedBatch}) steps=${p.steps} epochs=${p.epochs}${stop}`
  );
}

interface EpsilonOpts {
  samplingRate?: string;
  noiseMultiplier?: string;
  steps?: string;
  delta?: string;
  conversion?: string;
  json?: boolean;
}

interface NoiseOpts extends Omit<EpsilonOpts, "noiseMultiplier"> {
  epsilon?: string;
}

export function registerPrivacy(program: Command, io: Io): void {
  const privacy = program.command("privacy").description("differential privacy: the RDP accountant for planning a training budget");
  privacy
    .command("epsilon")
    .description("ε spent by DP-SGD with Poisson sampling rate Q, noise multiplier S and T steps, at δ")
    .requiredOption("--sampling-rate <q>", "expected batch / dataset rows, in (0, 1]")
    .requiredOption("--noise-multiplier <sigma>", "noise standard deviation / clipping norm")
    .requiredOption("--steps <t>", "number of steps (epochs × rows / batch)")
    .requiredOption("--delta <d>", "δ, e.g. 1e-5 (below 1/rows)")
    .option("--conversion <kind>", "RDP→(ε,δ): improved (Canonne et al. 2020) or classic (Mironov 2017)", "improved")
    .option("--json", 'print {"epsilon","order","rdp","delta","samplingRate","noiseMultiplier","steps","conversion"}')
    .action((o: EpsilonOpts) => {
      const issues: Issue[] = [];
      const q = number("--sampling-rate", o.samplingRate, issues, RATE, "a number in (0, 1]");
      const s = number("--noise-multiplier", o.noiseMultiplier, issues, (n) => n >= 0, "a number ≥ 0");
      const t = number("--steps", o.steps, issues, COUNT, "a whole number ≥ 0");
      const d = number("--delta", o.delta, issues, DELTA, "a number in (0, 1)");
      const conversion = conversionOf(o.conversion, issues);
      if (issues.length > 0) throw new InvalidInputError("Invalid privacy epsilon input", issues);
      const r = rdpEpsilon({ samplingRate: q, noiseMultiplier: s, steps: t, delta: d, conversion });
      if (o.json) printJson(io, { ...r, epsilon: Number.isFinite(r.epsilon) ? r.epsilon : null });
      else {
        printTable(io, ["epsilon", "delta", "order", "sampling rate", "noise multiplier", "steps"], [[r.epsilon, d, r.order, q, s, t]]);
        io.out(`RDP of the sampled Gaussian mechanism (Mironov et al. 2019), ${conversion} conversion to (ε, δ)\n`);
      }
    });
  privacy
    .command("noise")
    .description("the smallest noise multiplier that keeps T steps at sampling rate Q within (ε, δ)")
    .requiredOption("--sampling-rate <q>", "expected batch / dataset rows, in (0, 1]")
    .requiredOption("--steps <t>", "number of steps")
    .requiredOption("--delta <d>", "δ, e.g. 1e-5")
    .requiredOption("--epsilon <e>", "target ε")
    .option("--conversion <kind>", "improved or classic", "improved")
    .option("--json", 'print {"noiseMultiplier","epsilon","delta","samplingRate","steps"}')
    .action((o: NoiseOpts) => {
      const issues: Issue[] = [];
      const q = number("--sampling-rate", o.samplingRate, issues, RATE, "a number in (0, 1]");
      const t = number("--steps", o.steps, issues, WHOLE, "a whole number ≥ 1");
      const d = number("--delta", o.delta, issues, DELTA, "a number in (0, 1)");
      const e = number("--epsilon", o.epsilon, issues, POS, "a number > 0");
      const conversion = conversionOf(o.conversion, issues);
      if (issues.length > 0) throw new InvalidInputError("Invalid privacy noise input", issues);
      let sigma: number;
      try {
        sigma = noiseForEpsilon({ samplingRate: q, steps: t, delta: d, epsilon: e, conversion });
      } catch (err) {
        throw new InvalidInputError((err as Error).message, [{ code: "unreachable", path: "--epsilon", message: (err as Error).message }]);
      }
      const spent = rdpEpsilon({ samplingRate: q, noiseMultiplier: sigma, steps: t, delta: d, conversion }).epsilon;
      if (o.json) printJson(io, { noiseMultiplier: sigma, epsilon: spent, delta: d, samplingRate: q, steps: t, conversion });
      else printTable(io, ["noise multiplier", "epsilon", "delta", "sampling rate", "steps"], [[sigma, spent, d, q, t]]);
    });
}
