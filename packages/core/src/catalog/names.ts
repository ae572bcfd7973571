/** Vendor words people add or drop when they write hardware names. */
const NOISE = /\b(nvidia|amd|instinct|google|cloud|intel|habana|tensor core|gpu)\b/g;

/**
 * Normalize a hardware or model name for look-up: lower case, vendor words dropped, every
 * character other than a letter, digit or '.' removed ("NVIDIA H100 SXM" -> "h100sxm").
 */
export function normalizeName(name: string): string {
  return name
    .toLowerCase()
    .replace(NOISE, " ")
    .replace(/[^a-z0-9.]/g, "");
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** Up to `limit` candidates closest to `name` (by normalized edit distance, then by prefix). */
export function closest(name: string, candidates: readonly string[], limit = 3): string[] {
  const key = normalizeName(name);
  return candidates
    .map((c) => {
      const ck = normalizeName(c);
      const prefix = ck.startsWith(key) || key.startsWith(ck) ? -2 : 0;
      return { c, d: editDistance(key, ck) + prefix };
    })
    .filter((x) => x.d <= Math.max(3, Math.floor(key.length / 2)))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map((x) => x.c);
}
