import { stripHtmlBreaks } from "../data/tokenizer.js";

/** Words (letters/digits with inner apostrophes) and the sentiment-bearing punctuation `!` and `?`. */
const TOKEN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[!?]/gu;

/** The fast model's tokens: lower-cased words plus `!`/`?`, HTML breaks removed. */
export function fastTokens(text: string): string[] {
  return stripHtmlBreaks(text).toLowerCase().match(TOKEN) ?? [];
}

export interface HashingConfig {
  readonly kind: "hashed-ngrams";
  /** log2 of the number of hash buckets. */
  readonly bits: number;
  /** Longest n-gram (1 = unigrams, 2 = + bigrams, …). */
  readonly maxN: number;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Turns token lists into sorted, de-duplicated (binarized) hashed n-gram bucket ids. */
export class NgramHasher {
  readonly config: HashingConfig;
  private readonly mask: number;
  private scratch = new Uint32Array(4096);

  constructor(config: HashingConfig) {
    this.config = config;
    this.mask = 2 ** config.bits - 1;
  }

  // hashing a short token is cheaper than looking it up in a Map (which hashes the fresh string anyway)
  private tokenHash(t: string): number {
    return fnv1a(t);
  }

  // a small open-addressing set of the buckets this document has counted (stays in L1, unlike a per-bucket array)
  private seenKey = new Uint32Array(4096);
  private seenDoc = new Uint32Array(4096);
  private docId = 0;

  private firstTime(b: number): boolean {
    const m = this.seenKey.length - 1;
    let s = Math.imul(b, 0x9e3779b1) >>> 20;
    for (;;) {
      s &= m;
      if (this.seenDoc[s] !== this.docId) {
        this.seenDoc[s] = this.docId;
        this.seenKey[s] = b;
        return true;
      }
      if (this.seenKey[s] === b) return false;
      s++;
    }
  }

  /**
   * Σ weights[bucket] over the distinct n-gram buckets of `tokens` (binarized features), without building and
   * sorting the id list.
   */
  sumWeights(tokens: readonly string[], weights: Float32Array): number {
    const maxN = this.config.maxN;
    if (this.seenKey.length < tokens.length * maxN * 2) {
      const size = 2 ** Math.ceil(Math.log2(tokens.length * maxN * 2));
      this.seenKey = new Uint32Array(size);
      this.seenDoc = new Uint32Array(size);
      this.docId = 0;
    }
    if (++this.docId === 0xffffffff) {
      this.seenDoc.fill(0);
      this.docId = 1;
    }
    const mask = this.mask;
    const hs = tokens.map((t) => this.tokenHash(t));
    let z = 0;
    for (let i = 0; i < hs.length; i++) {
      let h = hs[i] ?? 0;
      let b = mix(h) & mask;
      if (this.firstTime(b)) z += weights[b] ?? 0;
      for (let n = 2; n <= maxN && i + n - 1 < hs.length; n++) {
        h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + (hs[i + n - 1] ?? 0) + n;
        b = mix(h >>> 0) & mask;
        if (this.firstTime(b)) z += weights[b] ?? 0;
      }
    }
    return z;
  }

  /**
   * Every n-gram occurrence of `tokens` with its bucket (not de-duplicated): the positions each feature depends
   * on, which exact SHAP for the fast model needs. The buckets are the ones `features` returns.
   */
  grams(tokens: readonly string[]): { start: number; length: number; bucket: number }[] {
    const hs = tokens.map((t) => this.tokenHash(t));
    const out: { start: number; length: number; bucket: number }[] = [];
    for (let i = 0; i < hs.length; i++) {
      let h = hs[i] ?? 0;
      out.push({ start: i, length: 1, bucket: mix(h) & this.mask });
      for (let n = 2; n <= this.config.maxN && i + n - 1 < hs.length; n++) {
        h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + (hs[i + n - 1] ?? 0) + n;
        out.push({ start: i, length: n, bucket: mix(h >>> 0) & this.mask });
      }
    }
    return out;
  }

  /** Bucket ids of every n-gram (n = 1..maxN) of `tokens`, sorted ascending, each once. */
  features(tokens: readonly string[]): Uint32Array {
    const maxN = this.config.maxN;
    const need = tokens.length * maxN;
    if (this.scratch.length < need) this.scratch = new Uint32Array(need * 2);
    const buf = this.scratch;
    const hs = tokens.map((t) => this.tokenHash(t));
    let k = 0;
    for (let i = 0; i < hs.length; i++) {
      let h = hs[i] ?? 0;
      buf[k++] = mix(h) & this.mask;
      for (let n = 2; n <= maxN && i + n - 1 < hs.length; n++) {
        h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) + (hs[i + n - 1] ?? 0) + n;
        buf[k++] = mix(h >>> 0) & this.mask;
      }
    }
    const sorted = buf.subarray(0, k).sort();
    let u = 0;
    for (let i = 0; i < k; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[u++] = sorted[i] ?? 0;
    return sorted.slice(0, u);
  }
}
