// Where the benchmarks find the full-size data (they measure on it; the tests use the slices in examples/data).
// In order: $AIDC_SHARED_DATA/<shared>, <repo>/../shared/data/<shared>, and, when the data set is one `aidc data`
// knows, its cache ($XDG_CACHE_HOME/aidc/data/<name>/<path>, default ~/.cache/aidc/data). When none exists the
// benchmark stops with exit 2 and says what to fetch.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("..", import.meta.url));

/**
 * Path of full-size data: `shared` is its path under ../shared/data; `cached` ({ name, path }) its place in the
 * `aidc data` cache, when it is there (omit it for files only the shared folder has, e.g. peer results).
 */
export function benchData(shared, cached) {
  const candidates = [];
  if (process.env.AIDC_SHARED_DATA) candidates.push(join(process.env.AIDC_SHARED_DATA, shared));
  candidates.push(resolve(repo, "..", "shared", "data", shared));
  if (cached) {
    const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
    candidates.push(join(cacheHome, "aidc", "data", cached.name, cached.path ?? ""));
  }
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  const fetch = cached ? `run \`bin/aidc data fetch ${cached.name}\`, or ` : "";
  process.stderr.write(
    `this benchmark needs ${shared}: ${fetch}set AIDC_SHARED_DATA to a folder holding it (looked in ${candidates.join(", ")})\n`,
  );
  process.exit(2);
}
