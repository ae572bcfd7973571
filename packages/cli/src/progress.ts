import type { Io } from "./output.js";

/** A progress indicator for long work: a bar when the total is known, a running count otherwise. */
export interface Progress {
  /** Advance by n units (default 1). */
  tick(n?: number): void;
  /** Set the number of units done so far. */
  set(done: number): void;
  /** Finish: print the final state and end the line. Safe to call twice. */
  done(): void;
}

export interface ProgressOptions {
  /** Clock in milliseconds (tests pass a fake one). */
  readonly now?: () => number;
  /** Minimum milliseconds between two redraws (default 100). */
  readonly intervalMs?: number;
  /** Format a unit count (default: integer with thousands separators; e.g. a byte formatter for transfers). */
  readonly format?: (n: number) => string;
  /** Bar width in characters (default 24). */
  readonly width?: number;
}

const noop: Progress = { tick: () => undefined, set: () => undefined, done: () => undefined };

/** Whether progress may be drawn: stderr is a terminal and the command does not print --json. */
export function progressEnabled(io: Io): boolean {
  return io.errTty === true && io.json !== true;
}

function plain(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * Start a progress line on stderr: `label [#####.....]  42% 420/1,000 eta 3s`, or `label 420 (12s)` without a total.
 * A no-op unless stderr is a TTY and --json is not in effect, so callers never need to check.
 */
export function startProgress(io: Io, label: string, total?: number, options: ProgressOptions = {}): Progress {
  if (!progressEnabled(io)) return noop;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  const fmt = options.format ?? plain;
  const width = options.width ?? 24;
  const known = total !== undefined && Number.isFinite(total) && total > 0;
  const started = now();
  let count = 0;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let finished = false;

  const line = (): string => {
    const elapsed = now() - started;
    if (!known) return `${label} ${fmt(count)} (${duration(elapsed)})`;
    const frac = Math.min(1, Math.max(0, count / total));
    const filled = Math.round(frac * width);
    const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
    const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
    const eta = frac > 0 && frac < 1 ? ` eta ${duration((elapsed / frac) * (1 - frac))}` : "";
    const took = frac >= 1 ? ` (${duration(elapsed)})` : "";
    return `${label} ${bar} ${pct} ${fmt(count)}/${fmt(total)}${eta}${took}`;
  };
  const draw = (force: boolean): void => {
    const t = now();
    if (!force && t - lastDraw < interval) return;
    lastDraw = t;
    io.err(`\r\x1b[2K${line()}`);
  };
  draw(true);
  return {
    tick(n = 1) {
      if (finished) return;
      count += n;
      draw(false);
    },
    set(done) {
      if (finished) return;
      count = done;
      draw(false);
    },
    done() {
      if (finished) return;
      finished = true;
      draw(true);
      io.err("\n");
    },
  };
}
