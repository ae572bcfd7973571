import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { describeWithShared, sharedPath } from "../../../../test/support/data.js";
import { resolveDataArg } from "../data/cache.js";
import { fetchDataset } from "../data/fetch.js";
import { DATASETS, findDataset, type Dataset } from "../data/registry.js";
import type { Io } from "../output.js";
import { registerDataWith } from "./data.js";

/** The issue messages of the bad-input error `fn` throws ("" when it does not throw). */
function issuesOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return ((e as { issues?: { message: string }[] }).issues ?? []).map((i) => i.message).join("\n");
  }
  return "";
}
const sha = (b: string): string => createHash("sha256").update(b).digest("hex");
const toy: Dataset = {
  name: "toy",
  aliases: ["toy-2026"],
  title: "toy",
  description: "two small files",
  source: "tests",
  license: "none",
  main: { path: "jobs.csv", traceFormat: "philly" },
  files: [
    { path: "jobs.csv", bytes: 4, sha256: sha("a,b\n") },
    { path: "sub/test.jsonl", bytes: 3, sha256: sha("{}\n") },
  ],
};

let cache = "";
let mirror = "";
beforeEach(() => {
  cache = mkdtempSync(join(tmpdir(), "aidc-cache-"));
  mirror = mkdtempSync(join(tmpdir(), "aidc-mirror-"));
  mkdirSync(join(mirror, "toy", "sub"), { recursive: true });
  writeFileSync(join(mirror, "toy", "jobs.csv"), "a,b\n");
  writeFileSync(join(mirror, "toy", "sub", "test.jsonl"), "{}\n");
});
afterEach(() => {
  rmSync(cache, { recursive: true, force: true });
  rmSync(mirror, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t), tty: false };
  const program = new Command("aidc").exitOverride();
  registerDataWith(program, io, { registry: [toy], env: { XDG_CACHE_HOME: cache } });
  await program.parseAsync(argv, { from: "user" });
  return { out, err };
}

describe("aidc data list|fetch|path", () => {
  it("lists, fetches from a mirror folder, then reports the cache", async () => {
    const before = JSON.parse((await run(["data", "list", "--json"])).out) as {
      cache: string;
      datasets: { cached: { present: number } }[];
    };
    expect(before.cache).toBe(join(cache, "aidc", "data"));
    expect(before.datasets[0]?.cached.present).toBe(0);
    await expect(run(["data", "path", "toy"])).rejects.toMatchObject({ issues: [{ message: /run: aidc data fetch toy/ }] });

    const fetched = await run(["data", "fetch", "toy-2026", "--from", mirror]);
    expect(fetched.out).toMatch(/ok toy: 2 file\(s\) fetched and sha256-verified \(7 B\), 0 already cached/);
    expect(fetched.err).toBe(""); // no progress bar when stderr is not a terminal
    expect((await run(["data", "path", "toy"])).out).toBe(`${join(cache, "aidc", "data", "toy")}\n`);
    expect((await run(["data", "list"])).out).toMatch(/^toy\t7 B\t2\tyes\tnone\ttwo small files$/m);
  });

  it("an unknown dataset is bad input listing the known ones", async () => {
    await expect(run(["data", "fetch", "nosuch"])).rejects.toMatchObject({
      code: "INVALID_INPUT",
      issues: [{ message: 'unknown dataset "nosuch" (known: toy)' }],
    });
  });
});

describe("dataset names where a file is expected", () => {
  const env = (): Record<string, string> => ({ XDG_CACHE_HOME: cache });

  it("a dataset that is not cached says which fetch to run; an existing file or an unknown name passes through", () => {
    expect(issuesOf(() => resolveDataArg("toy", "--trace", env(), [toy]))).toBe(
      "toy: dataset toy is not downloaded yet; run: aidc data fetch toy",
    );
    const file = join(mirror, "toy", "jobs.csv");
    expect(resolveDataArg(file, "--trace", env(), [toy])).toEqual({ path: file });
    expect(resolveDataArg("no/such/file.csv", "--trace", env(), [toy])).toEqual({ path: "no/such/file.csv" });
    expect(issuesOf(() => resolveDataArg("imdb", "--data", env()))).toMatch(/run: aidc data fetch imdb$/);
    // the PAI machine list is published only inside an archive: its fetch needs a mirror
    expect(issuesOf(() => resolveDataArg("pai", "--data", env()))).toMatch(/run: aidc data fetch alibaba-pai-2020 --from <dir\|url>$/);
  });

  it("resolves the bare name to its main file and name/file (extension optional) to that file once cached", async () => {
    await fetchDataset(toy, { root: join(cache, "aidc", "data"), from: mirror });
    const dir = join(cache, "aidc", "data", "toy");
    expect(resolveDataArg("toy", "--trace", env(), [toy])).toMatchObject({
      path: join(dir, "jobs.csv"),
      ref: { use: { traceFormat: "philly" } },
    });
    expect(resolveDataArg("toy/sub/test", "--data", env(), [toy]).path).toBe(join(dir, "sub", "test.jsonl"));
    expect(issuesOf(() => resolveDataArg("toy/nope", "--data", env(), [toy]))).toBe('toy has no file "nope" (files: jobs, sub/test)');
  });
});

describe("the registry", () => {
  it("every dataset has a license, a source, unique files with sha256, commit-pinned https URLs and a main file it holds", () => {
    const names = DATASETS.flatMap((d) => [d.name, ...(d.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    for (const d of DATASETS) {
      expect(d.license, d.name).not.toBe("");
      expect(d.source, d.name).not.toBe("");
      expect(new Set(d.files.map((f) => f.path)).size, d.name).toBe(d.files.length);
      if (d.main !== undefined && d.main.path !== ".")
        expect(
          d.files.map((f) => f.path),
          d.name,
        ).toContain(d.main.path);
      for (const f of d.files) {
        expect(f.sha256, f.path).toMatch(/^[0-9a-f]{64}$/);
        expect(f.bytes, f.path).toBeGreaterThan(0);
        if (f.path.endsWith(".gz")) expect(f.contentSha256, f.path).toMatch(/^[0-9a-f]{64}$/);
        // repositories pinned to a commit; the one archive from a home page is checked on the content it yields
        if (f.transform === "aclimdb") expect(f.url).toBe("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz");
        else if (f.url !== undefined) expect(f.url, f.path).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/[0-9a-f]{40}\//);
      }
      if (d.files.some((f) => f.url === undefined)) expect(d.canonicalNote, d.name).toBeDefined();
    }
    expect(findDataset("alibaba-gpu-2023")?.name).toBe("openb");
  });
});

/** Where each dataset's files sit in the maintainers' ../shared/data. */
const SHARED_DIRS: Record<string, string> = {
  imdb: "imdb",
  nab: "nab",
  philly: "traces/philly",
  helios: "traces/helios-aggregates",
  openb: "traces/alibaba-gpu-2023/csv",
  "alibaba-pai-2020": "traces/alibaba-pai-2020",
  "azure-llm-2023": "traces/azure-llm-inference-2023",
  "pollux-sia": "traces/pollux-sia-workloads",
  tiresias: "traces/tiresias-sample",
  "alibaba-dlrm-2025": "traces/alibaba-dlrm-2025",
  "alibaba-spot-gpu-2026": "traces/alibaba-spot-gpu-2026",
};

describeWithShared("traces", "the registry's sizes and hashes against the maintainers' copies in ../shared/data", () => {
  it("every registered dataset fetches and verifies from a mirror made of ../shared/data", async () => {
    const shared = dirname(sharedPath("traces"));
    expect(Object.keys(SHARED_DIRS).sort()).toEqual(DATASETS.map((d) => d.name).sort());
    for (const d of DATASETS) {
      for (const f of d.files) {
        const link = join(mirror, d.name, f.path);
        mkdirSync(dirname(link), { recursive: true });
        symlinkSync(join(shared, SHARED_DIRS[d.name] ?? "?", f.path), link);
      }
      const r = await fetchDataset(d, { root: join(cache, "aidc", "data"), from: mirror });
      expect(
        r.every((f) => f.status === "fetched"),
        d.name,
      ).toBe(true);
      expect(existsSync(join(cache, "aidc", "data", ".partial"))).toBe(false);
    }
  });
});

describeWithShared("imdb", "imdb from its canonical archive reproduces the maintainers' files", () => {
  it("an aclImdb_v1-style archive of the same reviews yields both splits with the registered content sha256", async () => {
    // the archive is rebuilt from the maintainers' texts (aclImdb/<split>/<pos|neg>/<id>_<rating>.txt) and served locally
    const blocks: Buffer[] = [];
    for (const split of ["train", "test"]) {
      for (const line of gunzipSync(readFileSync(join(sharedPath("imdb"), `${split}.jsonl.gz`)))
        .toString("utf8")
        .split("\n")) {
        if (line === "") continue;
        const row = JSON.parse(line) as { id: string; text: string };
        const data = Buffer.from(row.text, "utf8");
        const h = Buffer.alloc(512);
        h.write(`aclImdb/${row.id}.txt`, 0);
        h.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
        h.write("0", 156);
        h.write("ustar\0" + "00", 257);
        blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
    }
    const archive = gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]), { level: 1 });
    const server = createServer((_req, res) => res.writeHead(200, { "content-length": String(archive.length) }).end(archive));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/aclImdb_v1.tar.gz`;
      const imdb = findDataset("imdb") as Dataset;
      const local = { ...imdb, files: imdb.files.map((f) => ({ ...f, url })) };
      const r = await fetchDataset(local, { root: join(cache, "aidc", "data") });
      expect(r.map((f) => f.status)).toEqual(["fetched", "fetched"]);
    } finally {
      server.close();
    }
  }, 120_000);
});
