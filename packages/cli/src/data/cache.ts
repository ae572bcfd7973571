import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { InvalidInputError, issue } from "@aidc/core/errors";
import { DATASETS, findDataset, type DataUse, type Dataset } from "./registry.js";

type Env = Readonly<Record<string, string | undefined>>;

/** Where datasets are cached: `$XDG_CACHE_HOME/aidc/data` (default `~/.cache/aidc/data`). */
export function dataRoot(env: Env = process.env): string {
  const xdg = env["XDG_CACHE_HOME"];
  const base = xdg !== undefined && xdg !== "" ? xdg : join(homedir(), ".cache");
  return join(base, "aidc", "data");
}

export function datasetDir(d: Dataset, root: string): string {
  return join(root, d.name);
}

export interface CacheState {
  /** Files present (a file is moved into place only after its sha256 was verified). */
  readonly present: number;
  readonly files: number;
  readonly complete: boolean;
}

/** Which of a dataset's files are in the cache (hashes are checked when fetched, not on every use). */
export function cacheState(d: Dataset, root: string): CacheState {
  let present = 0;
  for (const f of d.files) if (existsSync(join(root, d.name, f.path))) present++;
  return { present, files: d.files.length, complete: present === d.files.length };
}

export interface DataRef {
  readonly dataset: Dataset;
  /** Absolute path of the file (or the dataset folder). */
  readonly path: string;
  /** The use, when the reference named the dataset itself. */
  readonly use?: DataUse;
}

/** `name` or `name/file` (the file's extension may be left out: `imdb/test`). undefined when it names no dataset. */
export function parseDataRef(arg: string, root: string, registry: readonly Dataset[] = DATASETS): DataRef | undefined {
  const slash = arg.indexOf("/");
  const name = slash < 0 ? arg : arg.slice(0, slash);
  const rest = slash < 0 ? "" : arg.slice(slash + 1);
  const d = findDataset(name, registry);
  if (d === undefined) return undefined;
  const dir = datasetDir(d, root);
  if (rest === "") {
    const use = d.main ?? { path: "." };
    return { dataset: d, path: use.path === "." ? dir : join(dir, use.path), use };
  }
  const file = d.files.find((f) => f.path === rest) ?? d.files.find((f) => f.path.replace(/\.[^/]*$/, "") === rest);
  if (file === undefined) {
    const known = d.files.map((f) => f.path.replace(/\.[^/]*$/, ""));
    throw new InvalidInputError(`unknown file ${arg}`, [
      issue(
        "unknown_file",
        arg,
        `${d.name} has no file "${rest}" (files: ${known.slice(0, 12).join(", ")}${known.length > 12 ? ", …" : ""})`,
      ),
    ]);
  }
  return { dataset: d, path: join(dir, file.path) };
}

/**
 * A file argument that may name a registered dataset: an existing path is returned as it is (files keep working);
 * `philly`, `imdb/test`, `nab` become the cached file or folder; a dataset that is not cached yet is bad input
 * naming the `aidc data fetch` to run. Anything else is returned unchanged (the reader then says it cannot read it).
 */
export function resolveDataArg(
  arg: string,
  option: string,
  env: Env = process.env,
  registry: readonly Dataset[] = DATASETS,
): { path: string; ref?: DataRef } {
  if (existsSync(arg)) return { path: arg };
  const root = dataRoot(env);
  const ref = parseDataRef(arg, root, registry);
  if (ref === undefined) return { path: arg };
  const state = cacheState(ref.dataset, root);
  if (!existsSync(ref.path) || !state.complete) {
    const what = state.present === 0 ? "is not downloaded yet" : `is incomplete (${state.present} of ${state.files} files)`;
    throw new InvalidInputError(`dataset ${ref.dataset.name} not cached`, [
      issue(
        "dataset_not_cached",
        option,
        `${arg}: dataset ${ref.dataset.name} ${what}; run: aidc data fetch ${ref.dataset.name}` +
          (ref.dataset.canonicalNote !== undefined ? " --from <dir|url>" : ""),
      ),
    ]);
  }
  return { path: ref.path, ref };
}
