import type { Command } from "commander";
import { InvalidInputError, issue } from "@aidc/core/errors";
import { cacheState, dataRoot, datasetDir } from "../data/cache.js";
import { fetchDataset } from "../data/fetch.js";
import { DATASETS, findDataset, totalBytes, type Dataset } from "../data/registry.js";
import { paint, printJson, printTable, type Io } from "../output.js";
import { startProgress } from "../progress.js";

/** Bytes for people: 1.0 kB, 26.9 MB (SI, like the dataset READMEs). */
export function byteSize(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

function lookup(name: string, registry: readonly Dataset[]): Dataset {
  const d = findDataset(name, registry);
  if (d === undefined)
    throw new InvalidInputError(`unknown dataset ${name}`, [
      issue("unknown_dataset", "dataset", `unknown dataset "${name}" (known: ${registry.map((x) => x.name).join(", ")})`),
    ]);
  return d;
}

export interface DataCommandOptions {
  /** The datasets the command knows (tests pass their own). */
  readonly registry?: readonly Dataset[];
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** `aidc data list|fetch|path` (the command table's loader). */
export function registerData(program: Command, io: Io): void {
  registerDataWith(program, io, {});
}

export function registerDataWith(program: Command, io: Io, options: DataCommandOptions): void {
  const registry = options.registry ?? DATASETS;
  const root = (): string => dataRoot(options.env ?? process.env);
  const data = program.command("data").description("public datasets and traces: list, download into the cache, locate");

  data
    .command("list")
    .description("the datasets and traces aidc knows, and whether each is cached")
    .option("--json", "print one JSON document (with every file's URL and sha256)")
    .action((o: { json?: boolean }) => {
      const r = root();
      if (o.json) {
        printJson(io, {
          cache: r,
          datasets: registry.map((d) => ({ ...d, bytes: totalBytes(d), cached: cacheState(d, r), dir: datasetDir(d, r) })),
        });
        return;
      }
      printTable(
        io,
        ["name", "size", "files", "cached", "license", "description"],
        registry.map((d) => {
          const s = cacheState(d, r);
          const cached = s.complete ? "yes" : s.present > 0 ? `${s.present}/${s.files}` : "no";
          return [d.name, byteSize(totalBytes(d)), d.files.length, cached, d.license.split(";")[0], d.description];
        }),
      );
      io.out(`\ncache: ${r}  (aidc data fetch <name> [--from <dir|url>]; aidc data path <name>)\n`);
    });

  data
    .command("fetch")
    .description("download a dataset from its canonical sources (or a mirror), verify sha256, store it in the cache")
    .argument("<name>", "dataset name (see: aidc data list)")
    .option("--from <dir|url>", "an offline mirror laid out <name>/<file> (a folder or an http(s) URL)")
    .option("--force", "download again even if cached")
    .option("--json", "print one JSON document")
    .action(async (name: string, o: { from?: string; force?: boolean; json?: boolean }) => {
      const d = lookup(name, registry);
      const r = root();
      // canonical sources that serve plain text (gzip'd here) or archives send more bytes than are stored: no total then
      const asStored =
        o.from !== undefined ||
        d.files.every((f) => f.transform === undefined && !(f.url !== undefined && f.path.endsWith(".gz") && !f.url.endsWith(".gz")));
      const bar = startProgress({ ...io, json: o.json === true }, `fetch ${d.name}`, asStored ? totalBytes(d) : undefined, {
        format: byteSize,
      });
      let files;
      try {
        files = await fetchDataset(d, {
          root: r,
          ...(o.from !== undefined ? { from: o.from } : {}),
          ...(o.force !== undefined ? { force: o.force } : {}),
          onBytes: (n) => bar.tick(n),
        });
      } finally {
        bar.done();
      }
      const dir = datasetDir(d, r);
      if (o.json) {
        printJson(io, { name: d.name, dir, files });
        return;
      }
      const fetched = files.filter((f) => f.status === "fetched");
      const received = fetched.reduce((s, f) => s + f.received, 0);
      io.out(
        `${paint(io, "green", "ok")} ${d.name}: ${fetched.length} file(s) fetched and sha256-verified (${byteSize(received)}), ` +
          `${files.length - fetched.length} already cached → ${dir}\n`,
      );
    });

  data
    .command("path")
    .description("print where a dataset is cached (exit 2 when it is not)")
    .argument("<name>", "dataset name")
    .option("--json", "print one JSON document")
    .action((name: string, o: { json?: boolean }) => {
      const d = lookup(name, registry);
      const r = root();
      const s = cacheState(d, r);
      const dir = datasetDir(d, r);
      if (!s.complete)
        throw new InvalidInputError(`dataset ${d.name} not cached`, [
          issue(
            "dataset_not_cached",
            "dataset",
            `${d.name} is ${s.present === 0 ? "not downloaded yet" : `incomplete (${s.present} of ${s.files} files)`} (${dir}); ` +
              `run: aidc data fetch ${d.name}${d.canonicalNote !== undefined ? " --from <dir|url>" : ""}`,
          ),
        ]);
      if (o.json) printJson(io, { name: d.name, dir, main: d.main?.path ?? ".", files: d.files.map((f) => f.path) });
      else io.out(`${dir}\n`);
    });
}
