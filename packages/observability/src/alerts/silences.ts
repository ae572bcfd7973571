import type { Labels } from "./expr.js";

export interface Matcher {
  readonly name: string;
  readonly value: string;
  /** Match `value` as an anchored regular expression instead of literally. */
  readonly regex?: boolean;
}

/** Mutes notifications of every alert whose labels match all matchers, between two instants. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

export function matches(m: Matcher, labels: Labels): boolean {
  const v = labels[m.name] ?? "";
  return m.regex ? new RegExp(`^(?:${m.value})$`).test(v) : v === m.value;
}

export function silenceApplies(s: Silence, labels: Labels, nowMs: number): boolean {
  return nowMs >= s.startsAtMs && nowMs < s.endsAtMs && s.matchers.length > 0 && s.matchers.every((m) => matches(m, labels));
}
