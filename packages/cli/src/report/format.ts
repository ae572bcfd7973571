/**
 * Human numbers for tables and reports: SI prefixes (`2.20 M tokens/s`), money (`$100.8 M`),
 * durations (`3 d 4 h`), byte sizes (`26.3 GB`), labels from camelCase field names (`compute`).
 * `--json` output never goes through these: it keeps the raw numbers.
 */

const DASH = "—";

/** Three significant digits, without a trailing ".0" on whole numbers below 1000. */
function sig3(x: number): string {
  const a = Math.abs(x);
  if (a >= 100 || Number.isInteger(x)) return x.toFixed(0);
  return a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

const PREFIXES: readonly [number, string][] = [
  [1e15, "P"],
  [1e12, "T"],
  [1e9, "G"],
  [1e6, "M"],
  [1e3, "k"],
];

/**
 * A count of things with an SI prefix and three significant digits, the prefix standing alone
 * before the unit: `si(2.201e6, "tokens/s")` is `2.20 M tokens/s`, `si(4.03e7, "GPU-hours")` is
 * `40.3 M GPU-hours`, `si(134)` is `134`. Numbers below 1 keep three significant digits.
 */
export function si(x: number, unit = ""): string {
  return scaled(x, unit, " ");
}

/** A measure with an SI prefix glued to its unit symbol: `siUnit(26.3e9, "B")` is `26.3 GB`, `353 TFLOP/s`, `5.71 MW`. */
export function siUnit(x: number, symbol: string): string {
  return scaled(x, symbol, "");
}

function scaled(x: number, unit: string, gap: string): string {
  if (!Number.isFinite(x)) return DASH;
  const a = Math.abs(x);
  const tail = unit === "" ? "" : ` ${unit}`;
  for (const [scale, prefix] of PREFIXES) {
    // 999,999 rounds to 1000 k: show it as 1.00 M
    if (a >= scale * 0.9995) return `${sig3(x / scale)} ${prefix}${unit === "" ? "" : gap}${unit}`;
  }
  if (a === 0) return `0${tail}`;
  if (a < 1) return `${Number(x.toPrecision(3))}${tail}`;
  return `${sig3(x)}${tail}`;
}

/** Whole numbers with thousands separators: `12,288`. */
export function count(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : DASH;
}

/** US dollars: `$8,254`, `$254.1 k`, `$100.8 M`, `$1.24 B`. */
export function money(x: number): string {
  if (!Number.isFinite(x)) return DASH;
  const sign = x < 0 ? "-" : "";
  const a = Math.abs(x);
  if (a < 10_000) return `${sign}$${a.toLocaleString("en-US", { maximumFractionDigits: a < 100 ? 2 : 0 })}`;
  const [scale, prefix] = a >= 0.9995e9 ? [1e9, "B"] : a >= 0.9995e6 ? [1e6, "M"] : [1e3, "k"];
  const v = a / scale;
  return `${sign}$${v.toFixed(v >= 99.95 ? 1 : 2)} ${prefix}`;
}

const UNITS: readonly [number, string][] = [
  [86400, "d"],
  [3600, "h"],
  [60, "min"],
  [1, "s"],
];

/**
 * Seconds as a person reads them: `7.62 s`, `12 min 5 s`, `3 d 4 h` (two units at most, the
 * second rounded), `697 ms` and `0.32 ms` below a second.
 */
export function duration(s: number): string {
  if (!Number.isFinite(s)) return DASH;
  if (s < 0) return `-${duration(-s)}`;
  if (s === 0) return "0 s";
  if (s < 1) return s >= 1e-3 ? `${sig3(s * 1000)} ms` : `${Number((s * 1e6).toPrecision(3))} µs`;
  if (s < 60) return `${sig3(s)} s`;
  for (let i = 0; i < UNITS.length - 1; i++) {
    const [big, bigName] = UNITS[i] as [number, string];
    if (s < big) continue;
    const [small, smallName] = UNITS[i + 1] as [number, string];
    let whole = Math.floor(s / big);
    let rest = Math.round((s - whole * big) / small);
    if (rest * small >= big) {
      whole += 1;
      rest = 0;
    }
    // 59 min 60 s is 1 h
    const above = UNITS[i - 1];
    if (above !== undefined && whole * big >= above[0]) return duration(whole * big);
    return rest === 0 ? `${whole} ${bigName}` : `${whole} ${bigName} ${rest} ${smallName}`;
  }
  return `${sig3(s)} s`;
}

/** Bytes with decimal prefixes (what disks and GPU data sheets use): `26.3 GB`, `99.4 TB`. */
export function bytes(b: number): string {
  if (!Number.isFinite(b)) return DASH;
  const a = Math.abs(b);
  if (a < 1000) return `${Math.round(b)} B`;
  return siUnit(b, "B");
}

/** A share in percent: `35.6 %`. */
export function percent(fraction: number, digits = 1): string {
  return Number.isFinite(fraction) ? `${(100 * fraction).toFixed(digits)} %` : DASH;
}

const UNIT_SUFFIX = /(?<=[a-z0-9])(S|Ms|Bytes|Usd|Kw|Gb|GB|Tb|TB|Gbps|GBps|Tbps|MWh)$/;

/**
 * A label from a camelCase field name, without its unit suffix: `computeS` is `compute`,
 * `tensorParallelCommS` is `tensor parallel comm`, `pipelineP2pS` is `pipeline p2p`.
 */
export function label(name: string): string {
  return name
    .replace(UNIT_SUFFIX, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(" ")
    .map((w) => (/^[A-Z0-9]+$/.test(w) && w.length > 1 ? w : w.toLowerCase()))
    .join(" ");
}

/** Number formatting shared by the reports (same style as the console's fmtDuration / fmtNumber). */
export const fmtDuration = duration;

export function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return DASH;
  if (Math.abs(x) >= 1e4) return si(x).replace(" ", "");
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(3)));
}

export const fmtUsd = money;
export const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
