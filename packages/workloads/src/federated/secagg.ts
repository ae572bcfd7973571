import {
  createCipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from "node:crypto";
import { AidcError, InvalidInputError } from "@aidc/core";

/**
 * Secure aggregation with pairwise masks (Bonawitz et al., CCS 2017, "Practical Secure Aggregation for
 * Privacy-Preserving Machine Learning", the masking round without double masking). Every pair of sites agrees on a
 * secret by X25519; for each round both expand it (HKDF-SHA256, then AES-256-CTR as the PRG) into a mask over
 * Z_{2^32}: the lower-numbered site adds it, the higher one subtracts it. Updates are fixed-point integers mod 2^32,
 * so in the sum every mask cancels exactly and the coordinator learns the exact sum of the encoded updates and
 * nothing else about any one of them (each masked update is uniformly distributed given the others' keys are secret).
 *
 * Dropouts: when a site that was masked against does not send its update, the survivors reveal the pair secret
 * for that round (`revealPairMask`) and the coordinator removes those masks. That reveals the dropped site's masks
 * for that round only, so a late update from a dropped site must be rejected (`SecureSum.add` refuses it once it
 * is marked dropped). Without the second (self) mask of the paper, a coordinator that lies about a dropout could
 * unmask that one site's update: the threat model here is an honest-but-curious coordinator that follows the
 * protocol.
 */
export interface SiteKeys {
  readonly site: number;
  /** Raw 32-byte X25519 public key, sent to the coordinator and relayed to the other sites. */
  readonly publicKey: Uint8Array;
  readonly privateKey: KeyObject;
}

const SPKI_X25519_PREFIX = Buffer.from("302a300506032b656e032100", "hex");

export function generateSiteKeys(site: number): SiteKeys {
  const { publicKey, privateKey } = generateKeyPairSync("x25519");
  const der = publicKey.export({ type: "spki", format: "der" });
  return { site, publicKey: new Uint8Array(der.subarray(der.length - 32)), privateKey };
}

/** Private key as PKCS#8 DER bytes (a site keeps it on its own disk between rounds). */
export function exportPrivateKey(keys: SiteKeys): Uint8Array {
  return new Uint8Array(keys.privateKey.export({ type: "pkcs8", format: "der" }));
}

export function importSiteKeys(site: number, pkcs8: Uint8Array): SiteKeys {
  const privateKey = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" });
  const der = createPublicKey(privateKey).export({ type: "spki", format: "der" });
  return { site, publicKey: new Uint8Array(der.subarray(der.length - 32)), privateKey };
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== 32)
    throw new InvalidInputError("Bad public key", [{ code: "invalid", path: "publicKey", message: "must be 32 bytes" }]);
  return createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, Buffer.from(raw)]), format: "der", type: "spki" });
}

/** The secret a pair of sites shares (either side computes the same bytes). */
export function pairSecret(own: SiteKeys, otherPublic: Uint8Array): Uint8Array {
  return new Uint8Array(diffieHellman({ privateKey: own.privateKey, publicKey: publicKeyObject(otherPublic) }));
}

/** The mask over Z_{2^32} of length `dim` that a pair secret gives for one round (`context` names run and round). */
export function expandMask(secret: Uint8Array, context: string, dim: number): Uint32Array {
  const okm = Buffer.from(hkdfSync("sha256", secret, Buffer.from(context), Buffer.from("aidc-secagg-mask-v1"), 48));
  const cipher = createCipheriv("aes-256-ctr", okm.subarray(0, 32), okm.subarray(32, 48));
  const stream = cipher.update(Buffer.alloc(dim * 4));
  const out = new Uint32Array(dim);
  for (let i = 0; i < dim; i++) out[i] = stream.readUInt32LE(i * 4);
  return out;
}

/**
 * Fixed-point encoding into Z_{2^32}: round(x · 2^fracBits) as a two's-complement 32-bit integer. `limit` is the
 * largest |x| allowed so that the sum over `parties` cannot wrap: 2^31 / (parties · 2^fracBits).
 */
export function encodeFixed(values: ArrayLike<number>, fracBits: number, parties: number): Uint32Array {
  const scale = 2 ** fracBits;
  const limit = 2 ** 31 / parties / scale;
  const out = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i] ?? 0;
    if (!Number.isFinite(x) || Math.abs(x) >= limit) {
      throw new InvalidInputError(`Cannot encode update[${i}] for secure aggregation`, [
        { code: "out_of_range", path: `update[${i}]`, message: `${x} is beyond ±${limit} (${parties} parties, ${fracBits} fraction bits)` },
      ]);
    }
    out[i] = Math.round(x * scale) >>> 0;
  }
  return out;
}

export function decodeFixed(sum: Uint32Array, fracBits: number): Float64Array {
  const scale = 2 ** fracBits;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) out[i] = (sum[i]! | 0) / scale;
  return out;
}

/** Masks an encoded update in place-free fashion: returns encoded + Σ_{j>i} m_ij − Σ_{j<i} m_ij (mod 2^32). */
export function maskUpdate(own: SiteKeys, encoded: Uint32Array, peers: ReadonlyMap<number, Uint8Array>, context: string): Uint32Array {
  const out = Uint32Array.from(encoded);
  for (const [site, pub] of peers) {
    if (site === own.site) continue;
    const mask = expandMask(pairSecret(own, pub), context, encoded.length);
    if (own.site < site) for (let i = 0; i < out.length; i++) out[i] = (out[i]! + mask[i]!) >>> 0;
    else for (let i = 0; i < out.length; i++) out[i] = (out[i]! - mask[i]!) >>> 0;
  }
  return out;
}

/** What a surviving site reveals about a dropped peer: the mask they shared this round (and the sign it added). */
export function revealPairMask(
  own: SiteKeys,
  dropped: number,
  droppedPublic: Uint8Array,
  context: string,
  dim: number,
): { readonly mask: Uint32Array; readonly added: boolean } {
  return { mask: expandMask(pairSecret(own, droppedPublic), context, dim), added: own.site < dropped };
}

/** The coordinator's side: adds masked updates mod 2^32; the masks cancel once every expected site has sent. */
export class SecureSum {
  private readonly acc: Uint32Array;
  private readonly got = new Set<number>();
  private readonly dropped = new Set<number>();

  constructor(
    readonly dim: number,
    private readonly expected: ReadonlySet<number>,
  ) {
    this.acc = new Uint32Array(dim);
  }

  add(site: number, masked: Uint32Array): void {
    if (!this.expected.has(site)) throw new AidcError("FEDERATED_PROTOCOL", `site ${site} is not in this round`);
    if (this.dropped.has(site)) throw new AidcError("FEDERATED_PROTOCOL", `site ${site} was declared dropped; its late update is refused`);
    if (this.got.has(site)) throw new AidcError("FEDERATED_PROTOCOL", `site ${site} sent twice`);
    if (masked.length !== this.dim)
      throw new AidcError("FEDERATED_PROTOCOL", `site ${site} sent ${masked.length} values, expected ${this.dim}`);
    for (let i = 0; i < this.dim; i++) this.acc[i] = (this.acc[i]! + masked[i]!) >>> 0;
    this.got.add(site);
  }

  /** Marks sites that will not send; returns them so each survivor can be asked for `revealPairMask`. */
  markDropped(sites: Iterable<number>): number[] {
    for (const s of sites) {
      if (this.got.has(s)) throw new AidcError("FEDERATED_PROTOCOL", `site ${s} already sent; it cannot be dropped`);
      this.dropped.add(s);
    }
    return [...this.dropped];
  }

  /** Removes a survivor's revealed mask with a dropped peer (undoing the sign the survivor applied). */
  removeMask(reveal: { readonly mask: Uint32Array; readonly added: boolean }): void {
    const { mask, added } = reveal;
    if (added) for (let i = 0; i < this.dim; i++) this.acc[i] = (this.acc[i]! - mask[i]!) >>> 0;
    else for (let i = 0; i < this.dim; i++) this.acc[i] = (this.acc[i]! + mask[i]!) >>> 0;
  }

  /** The exact sum of the survivors' encoded updates; refuses while a site is neither heard from nor dropped. */
  result(): Uint32Array {
    const missing = [...this.expected].filter((s) => !this.got.has(s) && !this.dropped.has(s));
    if (missing.length > 0) throw new AidcError("FEDERATED_PROTOCOL", `waiting for sites ${missing.join(", ")}`);
    return Uint32Array.from(this.acc);
  }

  get participants(): number[] {
    return [...this.got].sort((a, b) => a - b);
  }
}
