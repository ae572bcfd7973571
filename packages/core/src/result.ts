import type { Issue } from "./errors.js";

/** The outcome of checking user input: a value, or every issue found. */
export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly Issue[] };

export function ok<T>(value: T): Checked<T> {
  return { ok: true, value };
}

export function failed<T = never>(issues: readonly Issue[]): Checked<T> {
  return { ok: false, issues };
}
