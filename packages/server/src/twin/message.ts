import type { Timed } from "./deps.js";

/** A forecast of one job with the sentence `aidc why` prints. */
export interface JobForecastView {
  readonly startMs: number;
  readonly endMs?: number;
  readonly bandStartMs: readonly [number, number];
  readonly after?: string;
  readonly basis: string;
  readonly computedAtMs: number;
  readonly message: string;
}

/** A duration for people: 45 s, 12 min, 3.5 h, 2.0 d. */
export function span(ms: number): string {
  const s = Math.max(0, ms / 1000);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/**
 * A forecast as the API shows it, with its sentence ("starts in ~25 min (80 % band 10 min–70 min), after
 * job X finishes"). `hidden`: the job it waits for is another user's, so it is not named.
 */
export function forecastView(
  t: Timed,
  o: { readonly computedAtMs: number; readonly nowMs: number; readonly hidden: boolean; readonly what: string },
): JobForecastView {
  const startMs = Math.round(t.startS * 1000);
  const band: [number, number] = [Math.round(t.bandS[0] * 1000), Math.round(t.bandS[1] * 1000)];
  const shown = t.after !== undefined && !o.hidden ? t.after : undefined;
  const after =
    t.after === undefined ? "" : shown !== undefined ? `, after ${o.what} ${shown} finishes` : ", after another user's job finishes";
  const message =
    startMs <= o.nowMs + 1000
      ? `starts at the next scheduling pass${after}`
      : `starts in ~${span(startMs - o.nowMs)} (80 % band ${span(band[0] - o.nowMs)}–${span(band[1] - o.nowMs)})${after}`;
  return {
    startMs,
    ...(t.endS !== undefined ? { endMs: Math.round(t.endS * 1000) } : {}),
    bandStartMs: band,
    ...(shown !== undefined ? { after: shown } : {}),
    basis: t.basis,
    computedAtMs: o.computedAtMs,
    message,
  };
}
