// Where tests find their data.
//
// - fixture(rel): a small slice committed under <repo>/examples/data/ (always present; see its README).
// - sharedData(rel): the full-size copy under <repo>/../shared/data/ (or $AIDC_SHARED_DATA), or undefined when
//   absent — a fresh clone has no ../shared.
// - describeWithShared(rel, name, fn): a suite that needs the full-size data. When the data is absent it is skipped
//   with the visible reason "needs ../shared/data/<rel>" (scripts/summary-reporter.mjs lists it); with
//   AIDC_REQUIRE_SHARED=1 (scripts/test-data.mjs, the CI data-heavy pass) the absence is a failure instead.
//   When skipped, vitest still calls `fn` to collect the test names, so `fn` must not read the data at collection
//   time: read it in beforeAll or inside the tests.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";

declare module "vitest" {
  interface TaskMeta {
    /** Why a suite or test is skipped; scripts/summary-reporter.mjs prints it. */
    skipReason?: string;
  }
}

/** The repository root (this file is <root>/test/support/data.ts). */
export const repoRoot: string = fileURLToPath(new URL("../../", import.meta.url));

/** The committed fixtures: <root>/examples/data. */
export const fixturesDir: string = join(repoRoot, "examples", "data");

/** The full-size data next to the checkout: $AIDC_SHARED_DATA or <root>/../shared/data. */
export const sharedDataDir: string = process.env["AIDC_SHARED_DATA"] || resolve(repoRoot, "..", "shared", "data");

/** True when AIDC_REQUIRE_SHARED=1: a missing ../shared/data file fails the run instead of skipping. */
export const requireShared: boolean = process.env["AIDC_REQUIRE_SHARED"] === "1";

/** Path of a committed fixture under examples/data; throws when it is missing (a fixture is never optional). */
export function fixture(rel: string): string {
  const path = join(fixturesDir, rel);
  if (!existsSync(path)) throw new Error(`missing fixture examples/data/${rel}`);
  return path;
}

/** Path of a full-size file or folder under ../shared/data, or undefined when it is absent. */
export function sharedData(rel: string): string | undefined {
  const path = join(sharedDataDir, rel);
  return existsSync(path) ? path : undefined;
}

/** The skip reason used for a missing ../shared/data path. */
export function needsShared(rel: string): string {
  return `needs ../shared/data/${rel}`;
}

/**
 * Like sharedData but for use inside a describeWithShared suite (or a test): the path, or an error naming it.
 * The suite only runs when the path exists, so this throws only when a test uses it outside such a suite.
 */
export function sharedPath(rel: string): string {
  const path = sharedData(rel);
  if (path === undefined) throw new Error(needsShared(rel));
  return path;
}

/** A suite that runs only when ../shared/data/<rel> exists; see the file comment. */
export function describeWithShared(rel: string, name: string, fn: () => void): void {
  if (sharedData(rel) !== undefined) {
    describe(name, fn);
    return;
  }
  const reason = needsShared(rel);
  if (requireShared) {
    describe(name, () => {
      it(reason, () => {
        throw new Error(`AIDC_REQUIRE_SHARED=1 but ${join(sharedDataDir, rel)} is absent`);
      });
    });
    return;
  }
  describe(name, { skip: true, meta: { skipReason: reason } }, fn);
}

/** A suite skipped with a reason when `skip` is true (for skips that are not about ../shared). */
export function describeUnless(skip: boolean, reason: string, name: string, fn: () => void): void {
  if (skip) describe(name, { skip: true, meta: { skipReason: reason } }, fn);
  else describe(name, fn);
}
