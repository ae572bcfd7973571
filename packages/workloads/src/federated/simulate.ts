import { InvalidInputError } from "@aidc/core";
import { mulberry32 } from "../data/split.js";
import { rdpEpsilon } from "../privacy/rdp.js";
import { checkUpdateDp, type UpdateDp } from "./dp.js";
import { applyUpdate, initialModel, type FederatedHyper, type GlobalModel, type SiteData } from "./fedavg.js";
import { aggregate, countsMessage, updateMessage, COUNT_FRAC_BITS, UPDATE_FRAC_BITS, type SecureRound } from "./protocol.js";
import { generateSiteKeys, type SiteKeys } from "./secagg.js";

/**
 * A whole federated run in one process, exchanging exactly the bytes site jobs exchange (bench and tests use it;
 * the server runs the same protocol with one job per site per round).
 */
export interface FederatedRunOptions {
  readonly hyper: FederatedHyper;
  readonly rounds: number;
  /** Probability that a site takes part in a round (Poisson sampling; 1 = every site every round). */
  readonly siteRate?: number;
  readonly secureAggregation?: boolean;
  readonly dp?: UpdateDp;
  /** Called after each round with the new global model (e.g. to evaluate it). */
  readonly onRound?: (report: RoundReport, model: GlobalModel) => void;
}

export interface RoundReport {
  readonly round: number;
  readonly participants: number[];
  /** Bytes each site sent this round (index = site; 0 when it did not take part). */
  readonly bytesSent: number[];
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  /** Mean L2 norm of the updates before clipping. */
  readonly meanUpdateNorm: number;
  /** ε spent so far (site-level, at dp.delta), when DP is on. */
  readonly epsilon?: number;
}

export interface FederatedRunResult {
  readonly model: GlobalModel;
  readonly rounds: RoundReport[];
  /** Bytes each site sent in the counts round (0 under DP: no counts round). */
  readonly countsBytes: number[];
  /** Bytes each site sent in the key-exchange step (its public key) under secure aggregation. */
  readonly keyBytes: number[];
}

function secureFor(keys: readonly SiteKeys[], sites: readonly number[], context: string): (site: number) => SecureRound {
  const peers = new Map(sites.map((s) => [s, keys[s]!.publicKey] as const));
  return (site) => ({ keys: keys[site]!, peers, context });
}

export function runFederated(sites: readonly SiteData[], options: FederatedRunOptions): FederatedRunResult {
  const { hyper, rounds } = options;
  const k = sites.length;
  const q = options.siteRate ?? 1;
  if (k < 2)
    throw new InvalidInputError("Cannot run federated training", [{ code: "invalid", path: "sites", message: "needs at least 2 sites" }]);
  if (!(q > 0 && q <= 1))
    throw new InvalidInputError("Cannot run federated training", [
      { code: "invalid", path: "siteRate", message: `must be in (0, 1], got ${q}` },
    ]);
  if (options.dp) checkUpdateDp(options.dp);
  if (options.dp && hyper.nbScaling) {
    throw new InvalidInputError("Cannot run federated training", [
      { code: "invalid", path: "hyper.nbScaling", message: "must be false under DP (the counts round is not covered by the accountant)" },
    ]);
  }
  const dim = 2 ** hyper.bits;
  const all = sites.map((_, i) => i);
  const secure = options.secureAggregation ?? false;
  const keys = secure ? sites.map((_, i) => generateSiteKeys(i)) : [];
  const runId = `run-${hyper.seed}`;

  let model: GlobalModel;
  const countsBytes = new Array<number>(k).fill(0);
  if (hyper.nbScaling) {
    const sec = secure ? secureFor(keys, all, `${runId}/counts`) : undefined;
    const msgs = sites.map((s, i) => countsMessage(s, i, dim, sec?.(i)));
    msgs.forEach((m, i) => (countsBytes[i] = m.length));
    model = initialModel(hyper, aggregate(msgs, { round: 0, dim: 2 * dim + 2, sites: all, secure, fracBits: COUNT_FRAC_BITS }));
  } else model = initialModel(hyper);

  const sizes = sites.map((s) => s.labels.length);
  const pick = mulberry32(hyper.seed ^ 0x5eed);
  const reports: RoundReport[] = [];
  for (let round = 1; round <= rounds; round++) {
    let chosen = q === 1 ? all : all.filter(() => pick() < q);
    if (chosen.length === 0 && !options.dp) chosen = [Math.floor(pick() * k)];
    const total = chosen.reduce((s, i) => s + sizes[i]!, 0);
    const sec = secure ? secureFor(keys, chosen, `${runId}/round-${round}`) : undefined;
    const updates = chosen.map((i) =>
      updateMessage(sites[i]!, i, model, round, hyper, {
        weight: options.dp ? 1 / (q * k) : sizes[i]! / total,
        ...(sec ? { secure: sec(i) } : {}),
        ...(options.dp ? { dp: { ...options.dp, expectedSites: Math.max(1, chosen.length) } } : {}),
      }),
    );
    const bytesSent = new Array<number>(k).fill(0);
    updates.forEach((u, t) => (bytesSent[chosen[t]!] = u.bytes.length));
    const noise = options.dp && !secure ? (options.dp.noiseMultiplier * options.dp.clip) / (q * k) : 0;
    const avg =
      chosen.length === 0
        ? new Float64Array(dim + 1) // DP with nobody sampled: the round still counts (and releases only noise)
        : aggregate(
            updates.map((u) => u.bytes),
            { round, dim: dim + 1, sites: chosen, secure, fracBits: UPDATE_FRAC_BITS, centralNoiseStd: noise },
          );
    model = applyUpdate(model, avg, hyper.serverLearningRate);
    const rows = updates.reduce((s, u) => s + u.local.rows, 0);
    const report: RoundReport = {
      round,
      participants: chosen,
      bytesSent,
      trainLoss: updates.reduce((s, u) => s + u.local.loss * u.local.rows, 0) / Math.max(1, rows),
      trainAccuracy: updates.reduce((s, u) => s + u.local.accuracy * u.local.rows, 0) / Math.max(1, rows),
      meanUpdateNorm: updates.reduce((s, u) => s + u.norm, 0) / Math.max(1, updates.length),
      ...(options.dp
        ? {
            epsilon: rdpEpsilon({ samplingRate: q, noiseMultiplier: options.dp.noiseMultiplier, steps: round, delta: options.dp.delta })
              .epsilon,
          }
        : {}),
    };
    reports.push(report);
    options.onRound?.(report, model);
  }
  return { model, rounds: reports, countsBytes, keyBytes: keys.map((kk) => kk.publicKey.length) };
}
