/** Prometheus-style durations ("30s", "5m", "1h30m", "2d", "0s") ⇄ seconds. Pure. */

const UNIT_S = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 } as const;
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Seconds of a duration string, or undefined when it is not one. */
export function parseDurationS(text: string): number | undefined {
  if (text === "" || text === "0") return text === "0" ? 0 : undefined;
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  const units = [UNIT_S.y, UNIT_S.w, UNIT_S.d, UNIT_S.h, UNIT_S.m, UNIT_S.s, UNIT_S.ms];
  return units.reduce((sum, u, i) => sum + Number(m[i + 1] ?? 0) * u, 0);
}

/** Format seconds the way Prometheus prints durations ("1h30m", "0s"). */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return "0s";
  let ms = Math.round(seconds * 1000);
  let out = "";
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ] as const) {
    const n = Math.floor(ms / size);
    if (n > 0) out += `${n}${unit}`;
    ms -= n * size;
  }
  return out;
}
