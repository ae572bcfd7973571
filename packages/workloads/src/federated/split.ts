import { InvalidInputError } from "@aidc/core";
import { mulberry32, permutation } from "../data/split.js";

/**
 * Non-IID splits of one labelled data set into per-site shards, for evaluating federated training the way the
 * literature does: label skew by a Dirichlet draw per class (Hsu, Qi, Brown 2019, "Measuring the effects of
 * non-identical data distribution for federated visual classification": site k gets a fraction p_{c,k} of class c,
 * p_c ~ Dir(α)), and a split by source (every row of one source lands on one site, as when each site is one
 * organisation).
 */
export interface SiteShards {
  /** Row indices of each site, ascending. */
  readonly sites: Uint32Array[];
}

function standardNormal(rand: () => number): number {
  const u = Math.max(rand(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shape < 1. */
export function sampleGamma(shape: number, rand: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, rand) * Math.pow(Math.max(rand(), 1e-300), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Dirichlet(α, …, α) draw of `k` proportions. */
export function sampleDirichlet(k: number, alpha: number, rand: () => number): number[] {
  const g = Array.from({ length: k }, () => sampleGamma(alpha, rand));
  const sum = g.reduce((a, b) => a + b, 0);
  return g.map((x) => x / sum);
}

function checkSites(sites: number, rows: number): void {
  if (!Number.isInteger(sites) || sites < 2) {
    throw new InvalidInputError("Cannot split data", [{ code: "invalid", path: "sites", message: `must be an integer ≥ 2, got ${sites}` }]);
  }
  if (rows < sites) {
    throw new InvalidInputError("Cannot split data", [{ code: "invalid", path: "sites", message: `${sites} sites but only ${rows} rows` }]);
  }
}

export interface LabelSkewOptions {
  readonly sites: number;
  /** Dirichlet concentration: small = each site mostly one class (0.1 is extreme, 100 is near IID). */
  readonly alpha: number;
  readonly seed: number;
  /** Every site gets at least this many rows (redraws until it holds; default 1). */
  readonly minRows?: number;
}

/** Label-skewed shards: for each class, a Dirichlet draw decides which share of that class each site gets. */
export function labelSkewSplit(labels: ArrayLike<number>, options: LabelSkewOptions): SiteShards {
  const { sites, alpha, seed } = options;
  checkSites(sites, labels.length);
  if (!(alpha > 0)) {
    throw new InvalidInputError("Cannot split data", [{ code: "invalid", path: "alpha", message: `must be > 0, got ${alpha}` }]);
  }
  const minRows = options.minRows ?? 1;
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const rand = mulberry32(seed);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const buckets: number[][] = Array.from({ length: sites }, () => []);
    for (const c of classes) {
      const rows: number[] = [];
      for (let i = 0; i < labels.length; i++) if (labels[i] === c) rows.push(i);
      const order = permutation(rows.length, seed + 7919 * (c + 1) + attempt);
      const p = sampleDirichlet(sites, alpha, rand);
      let start = 0;
      let acc = 0;
      for (let k = 0; k < sites; k++) {
        acc += p[k] ?? 0;
        const end = k === sites - 1 ? rows.length : Math.round(acc * rows.length);
        for (let t = start; t < end; t++) buckets[k]!.push(rows[order[t] ?? 0] ?? 0);
        start = Math.max(start, end);
      }
    }
    if (buckets.every((b) => b.length >= minRows)) return { sites: buckets.map((b) => Uint32Array.from(b.sort((x, y) => x - y))) };
  }
  throw new InvalidInputError("Cannot split data", [
    { code: "invalid", path: "alpha", message: `no draw in 1000 gave every site ${minRows} rows; raise alpha or lower sites` },
  ]);
}

/**
 * Shards by source: all rows with the same key go to one site. Sources are placed largest first on the site with
 * the fewest rows so far (sizes stay balanced); ties are broken by the key's text, so the result is deterministic.
 */
export function sourceSplit(keys: readonly string[], sites: number): SiteShards {
  checkSites(sites, keys.length);
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  if (groups.size < sites) {
    throw new InvalidInputError("Cannot split data", [
      { code: "invalid", path: "sites", message: `${sites} sites but only ${groups.size} distinct sources` },
    ]);
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const buckets: number[][] = Array.from({ length: sites }, () => []);
  for (const [, rows] of ordered) {
    let best = 0;
    for (let k = 1; k < sites; k++) if (buckets[k]!.length < buckets[best]!.length) best = k;
    buckets[best]!.push(...rows);
  }
  return { sites: buckets.map((b) => Uint32Array.from(b.sort((x, y) => x - y))) };
}

/** Share of label 1 on each site (for reporting how skewed a split is). */
export function positiveShares(labels: ArrayLike<number>, shards: SiteShards): number[] {
  return shards.sites.map((rows) => {
    let pos = 0;
    for (const i of rows) if (labels[i] === 1) pos++;
    return rows.length === 0 ? 0 : pos / rows.length;
  });
}
