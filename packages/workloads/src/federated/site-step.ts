import { AidcError, InvalidInputError, type Issue } from "@aidc/core";
import { importSiteKeys } from "./secagg.js";
import { FEDERATED_DEFAULTS, hashingOf, prepareSite, type FederatedHyper, type GlobalModel } from "./fedavg.js";
import { countsMessage, updateMessage, type SecureRound } from "./protocol.js";

/**
 * One site's step as a job runs it (`aidc federated site`): the coordinator hands the job a small JSON config, the
 * global model and (under secure aggregation) the site's private key; the job reads its own shard and writes the
 * update message plus a small report (row count and local train metrics). Those two files are all that leaves.
 */
export interface SiteStepConfig {
  readonly mode: "join" | "update";
  readonly run: string;
  readonly round: number;
  readonly site: number;
  readonly hyper: FederatedHyper;
  /** join: send the NB counts (else only the report). */
  readonly sendCounts?: boolean;
  /** update: this site's share of the average. */
  readonly weight?: number;
  /** Secure aggregation: the round's context and every participant's public key (base64). */
  readonly secure?: { readonly context: string; readonly peers: Readonly<Record<string, string>> };
  readonly dp?: { readonly clip: number; readonly noiseMultiplier: number; readonly delta: number; readonly expectedSites: number };
  /** Use only the first `limit` rows of the shard. */
  readonly limit?: number;
}

export interface SiteReport {
  readonly site: number;
  readonly round: number;
  readonly rows: number;
  readonly loss?: number;
  readonly accuracy?: number;
  readonly updateNorm?: number;
  readonly bytes: number;
}

export function parseSiteConfig(value: unknown): SiteStepConfig {
  const v = value as Partial<SiteStepConfig> | null;
  const issues: Issue[] = [];
  if (typeof v !== "object" || v === null)
    throw new InvalidInputError("Bad federated site config", [{ code: "invalid", path: "", message: "must be an object" }]);
  if (v.mode !== "join" && v.mode !== "update") issues.push({ code: "invalid", path: "mode", message: "must be join or update" });
  if (typeof v.run !== "string") issues.push({ code: "invalid", path: "run", message: "must be a string" });
  for (const k of ["round", "site"] as const)
    if (!Number.isInteger(v[k]) || (v[k] as number) < 0) issues.push({ code: "invalid", path: k, message: "must be a whole number" });
  if (v.mode === "update" && !(typeof v.weight === "number" && v.weight > 0))
    issues.push({ code: "invalid", path: "weight", message: "must be > 0" });
  if (issues.length > 0) throw new InvalidInputError("Bad federated site config", issues);
  return { ...v, hyper: { ...FEDERATED_DEFAULTS, ...v.hyper } } as SiteStepConfig;
}

/** Global model file: "AFGM", dim (uint32), bias (float64), scale (dim × float32), weights (dim × float32). */
export function encodeGlobal(m: GlobalModel): Uint8Array {
  const dim = m.weights.length;
  const buf = new ArrayBuffer(16 + dim * 8);
  const view = new DataView(buf);
  view.setUint32(0, 0x4d474641, true);
  view.setUint32(4, dim, true);
  view.setFloat64(8, m.bias, true);
  new Uint8Array(buf, 16, dim * 4).set(new Uint8Array(m.scale.buffer, m.scale.byteOffset, dim * 4));
  new Uint8Array(buf, 16 + dim * 4, dim * 4).set(new Uint8Array(m.weights.buffer, m.weights.byteOffset, dim * 4));
  return new Uint8Array(buf);
}

export function decodeGlobal(bytes: Uint8Array): GlobalModel {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || view.getUint32(0, true) !== 0x4d474641)
    throw new AidcError("FEDERATED_MESSAGE_CORRUPT", "federated global model: bad header");
  const dim = view.getUint32(4, true);
  if (bytes.length !== 16 + dim * 8)
    throw new AidcError("FEDERATED_MESSAGE_CORRUPT", `federated global model: ${bytes.length} bytes for ${dim} buckets`);
  const copy = bytes.slice(16); // aligned copy
  return {
    bias: view.getFloat64(8, true),
    scale: new Float32Array(copy.buffer, 0, dim),
    weights: new Float32Array(copy.buffer, dim * 4, dim),
  };
}

function secureRound(config: SiteStepConfig, privateKey: Uint8Array | undefined): SecureRound | undefined {
  if (!config.secure) return undefined;
  if (!privateKey) throw new AidcError("FEDERATED_PROTOCOL", "secure aggregation needs the site's private key");
  const peers = new Map(
    Object.entries(config.secure.peers).map(([s, b64]) => [Number(s), new Uint8Array(Buffer.from(b64, "base64"))] as const),
  );
  return { keys: importSiteKeys(config.site, privateKey), peers, context: config.secure.context };
}

/** Runs one site step on the site's own rows; returns the message bytes and the report. */
export function runSiteStep(
  config: SiteStepConfig,
  data: { readonly texts: readonly string[]; readonly labels: ArrayLike<number> },
  inputs: { readonly global?: Uint8Array; readonly privateKey?: Uint8Array },
): { readonly message: Uint8Array; readonly report: SiteReport } {
  const n = Math.min(data.texts.length, config.limit ?? Infinity);
  const site = prepareSite(data.texts.slice(0, n), Array.from(data.labels).slice(0, n), hashingOf(config.hyper));
  const dim = 2 ** config.hyper.bits;
  const secure = secureRound(config, inputs.privateKey);
  if (config.mode === "join") {
    const message = config.sendCounts ? countsMessage(site, config.site, dim, secure) : new Uint8Array(0);
    return { message, report: { site: config.site, round: config.round, rows: n, bytes: message.length } };
  }
  if (!inputs.global) throw new AidcError("FEDERATED_PROTOCOL", "an update step needs the global model");
  const global = decodeGlobal(inputs.global);
  if (global.weights.length !== dim)
    throw new AidcError("FEDERATED_PROTOCOL", `global model has ${global.weights.length} buckets, config says ${dim}`);
  const u = updateMessage(site, config.site, global, config.round, config.hyper, {
    weight: config.weight ?? 1,
    ...(secure ? { secure } : {}),
    ...(config.dp ? { dp: config.dp } : {}),
  });
  return {
    message: u.bytes,
    report: {
      site: config.site,
      round: config.round,
      rows: n,
      loss: u.local.loss,
      accuracy: u.local.accuracy,
      updateNorm: u.norm,
      bytes: u.bytes.length,
    },
  };
}
