/** Number formatting shared by the reports (same style as the console's fmtDuration / fmtNumber). */

export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return "—";
  const a = Math.abs(s);
  if (s === 0) return "0 s";
  if (a < 1) return `${s.toFixed(2)} s`;
  if (a < 120) return `${s.toFixed(0)} s`;
  if (a < 7200) return `${(s / 60).toFixed(1)} min`;
  if (a < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return "—";
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(a >= 1e10 ? 0 : 1)}G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(a >= 1e5 ? 0 : 1)}k`;
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(3)));
}

export const fmtUsd = (x: number): string => `$${fmtNumber(x)}`;
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
