import { AidcError } from "@aidc/core";
import { decodeFixed, encodeFixed, maskUpdate, SecureSum, type SiteKeys } from "./secagg.js";
import { decodeMessage, encodeMessage } from "./messages.js";
import { addGaussian, clipL2, type UpdateDp } from "./dp.js";
import { localTrain, siteCounts, type FederatedHyper, type GlobalModel, type LocalResult, type SiteData } from "./fedavg.js";

/**
 * One round's messages, the same for an in-process simulation and for site jobs run by the server: a site turns its
 * local result into bytes (sparse floats, or a masked fixed-point vector under secure aggregation); the coordinator
 * turns the round's bytes into the averaged update. Only these bytes leave a site.
 */
export interface SecureRound {
  readonly keys: SiteKeys;
  /** Public keys of every site in this round (including this one), by site number. */
  readonly peers: ReadonlyMap<number, Uint8Array>;
  /** Names the run and round: masks of different rounds are independent. */
  readonly context: string;
}

/** Fixed-point fraction bits of updates (resolution 6e-8) and of counts (integers). */
export const UPDATE_FRAC_BITS = 24;
export const COUNT_FRAC_BITS = 0;

export function countsMessage(site: SiteData, siteIndex: number, dim: number, secure?: SecureRound): Uint8Array {
  const counts = siteCounts(site, dim);
  if (!secure) return encodeMessage({ kind: "sparse", site: siteIndex, round: 0, dim: counts.length, values: counts });
  const masked = maskUpdate(secure.keys, encodeFixed(counts, COUNT_FRAC_BITS, secure.peers.size), secure.peers, secure.context);
  return encodeMessage({ kind: "masked", site: siteIndex, round: 0, dim: counts.length, values: masked });
}

export interface UpdateOptions {
  /** Share of this site in the average: n_k / Σ n over the round's sites (FedAvg), or 1/(q·K) under DP. */
  readonly weight: number;
  readonly secure?: SecureRound;
  /** DP: clip the update; with secure aggregation also add this site's share of the noise (std σ·C/√m). */
  readonly dp?: UpdateDp & { readonly expectedSites: number };
}

export interface SiteUpdate {
  readonly bytes: Uint8Array;
  readonly local: LocalResult;
  /** L2 norm of the update before clipping (reported so the clip can be tuned). */
  readonly norm: number;
}

export function updateMessage(
  site: SiteData,
  siteIndex: number,
  global: GlobalModel,
  round: number,
  hyper: FederatedHyper,
  options: UpdateOptions,
): SiteUpdate {
  const local = localTrain(site, global, round, siteIndex, hyper);
  const v = Float64Array.from(local.delta);
  let norm = 0;
  if (options.dp) {
    norm = clipL2(v, options.dp.clip);
    // distributed noise: the sum of m sites' N(0, σ²C²/m) is N(0, σ²C²), and no party sees the un-noised sum
    if (options.secure) addGaussian(v, (options.dp.noiseMultiplier * options.dp.clip) / Math.sqrt(options.dp.expectedSites));
  } else {
    for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
  }
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * options.weight;
  if (!options.secure) return { bytes: encodeMessage({ kind: "sparse", site: siteIndex, round, dim: v.length, values: v }), local, norm };
  const masked = maskUpdate(
    options.secure.keys,
    encodeFixed(v, UPDATE_FRAC_BITS, options.secure.peers.size),
    options.secure.peers,
    options.secure.context,
  );
  return { bytes: encodeMessage({ kind: "masked", site: siteIndex, round, dim: v.length, values: masked }), local, norm };
}

export interface AggregateOptions {
  readonly round: number;
  readonly dim: number;
  /** The sites of this round; with secure aggregation all of them must send. */
  readonly sites: readonly number[];
  readonly secure: boolean;
  readonly fracBits: number;
  /** Central DP noise (std, already times the weight) when there is no secure aggregation. */
  readonly centralNoiseStd?: number;
}

/** The sum of the round's (weighted) site vectors; checks every message belongs to this round and its sites. */
export function aggregate(messages: readonly Uint8Array[], options: AggregateOptions): Float64Array {
  const expected = new Set(options.sites);
  const sum = options.secure ? new SecureSum(options.dim, expected) : undefined;
  const plain = new Float64Array(options.dim);
  const seen = new Set<number>();
  for (const bytes of messages) {
    const m = decodeMessage(bytes);
    if (m.round !== options.round)
      throw new AidcError("FEDERATED_PROTOCOL", `site ${m.site} sent round ${m.round}, expected ${options.round}`);
    if (m.dim !== options.dim) throw new AidcError("FEDERATED_PROTOCOL", `site ${m.site} sent ${m.dim} values, expected ${options.dim}`);
    if (!expected.has(m.site)) throw new AidcError("FEDERATED_PROTOCOL", `site ${m.site} is not in round ${options.round}`);
    if (seen.has(m.site)) throw new AidcError("FEDERATED_PROTOCOL", `site ${m.site} sent twice in round ${options.round}`);
    seen.add(m.site);
    if (sum) {
      if (m.kind !== "masked") throw new AidcError("FEDERATED_PROTOCOL", `site ${m.site} sent an unmasked update to a secure round`);
      sum.add(m.site, m.values as Uint32Array);
    } else {
      if (m.kind === "masked") throw new AidcError("FEDERATED_PROTOCOL", `site ${m.site} sent a masked update to a plain round`);
      for (let i = 0; i < options.dim; i++) plain[i] = plain[i]! + (m.values[i] ?? 0);
    }
  }
  if (sum) return decodeFixed(sum.result(), options.fracBits);
  if (options.centralNoiseStd) addGaussian(plain, options.centralNoiseStd);
  return plain;
}
