import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fetchDataset } from "./fetch.js";
import type { DataFile, Dataset } from "./registry.js";

// A local HTTP server plays both the canonical sources and a mirror; no test reaches the internet.
const sha = (b: string | Buffer): string => createHash("sha256").update(b).digest("hex");
const csv =
  "timestamp,value\n" + Array.from({ length: 4000 }, (_, i) => `2014-04-01 00:${String(i % 60).padStart(2, "0")}:00,${i}`).join("\n");
const plain = "name,time,gpus\n" + Array.from({ length: 3000 }, (_, i) => `job-${i},${i * 7},${1 + (i % 8)}`).join("\n") + "\n";
const packed = gzipSync(plain);
const labelsAll = { "cat/a.csv": ["2014-04-01 00:05:00"], "cat/other.csv": [] as string[] };
const labelsOurs = `${JSON.stringify({ "cat/a.csv": labelsAll["cat/a.csv"] }, null, 4)}\n`;

/** What the server serves, by URL path; `drop` paths send half the body and cut the connection. */
const routes = new Map<string, Buffer>();
const drop = new Set<string>();
/** Paths that send half the body and then nothing (the connection stays open). */
const stall = new Set<string>();
let requests: string[] = [];
let server: Server;
let base = "";

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent((req.url ?? "/").split("?")[0] ?? "/");
  requests.push(`${req.headers.range ?? "GET"} ${path}`);
  const body = routes.get(path);
  if (body === undefined) {
    res.writeHead(404).end("not found");
    return;
  }
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  const start = range ? Number(range[1]) : 0;
  const rest = body.subarray(start);
  res.writeHead(range ? 206 : 200, {
    "content-length": String(rest.length),
    ...(range ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  });
  if (stall.has(path)) {
    res.write(rest.subarray(0, Math.floor(rest.length / 2)));
    return;
  }
  if (drop.has(path)) {
    // cut the connection once the client has written what it received (a web stream drops chunks queued before an error)
    res.write(rest.subarray(0, Math.floor(rest.length / 2)));
    const partial = join(root, ".partial", "toy", "cat", "a.csv");
    const cut = (tries: number): void => {
      if (tries > 0 && !(existsSync(partial) && statSync(partial).size > 0)) setTimeout(() => cut(tries - 1), 10);
      else res.socket?.destroy();
    };
    cut(300);
    return;
  }
  res.end(rest);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((ok) => server.close(() => ok()));
});

let root = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "aidc-data-"));
  routes.clear();
  drop.clear();
  stall.clear();
  requests = [];
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function dataset(files: DataFile[]): Dataset {
  return { name: "toy", title: "toy", description: "test data", source: "tests", license: "none", files };
}
const fileA = (over: Partial<DataFile> = {}): DataFile => ({
  path: "cat/a.csv",
  bytes: csv.length,
  sha256: sha(csv),
  url: `${base}/canon/a.csv`,
  ...over,
});
const fileB = (over: Partial<DataFile> = {}): DataFile => ({
  path: "jobs.csv.gz",
  bytes: packed.length,
  sha256: sha(packed),
  contentSha256: sha(plain),
  url: `${base}/canon/jobs.csv`,
  ...over,
});
const stored = (p: string): string => join(root, "toy", p);
const leftovers = (): string[] =>
  existsSync(join(root, ".partial")) ? readdirSync(join(root, ".partial"), { recursive: true }).map(String) : [];

describe("fetchDataset from canonical sources", () => {
  it("downloads, verifies, gzips a plain canonical file, and skips what is cached on the next run", async () => {
    routes.set("/canon/a.csv", Buffer.from(csv));
    routes.set("/canon/jobs.csv", Buffer.from(plain));
    const d = dataset([fileA(), fileB()]);
    let seen = 0;
    const r = await fetchDataset(d, { root, onBytes: (n) => (seen += n) });
    expect(r.map((f) => f.status)).toEqual(["fetched", "fetched"]);
    expect(readFileSync(stored("cat/a.csv"), "utf8")).toBe(csv);
    expect(gunzipSync(readFileSync(stored("jobs.csv.gz"))).toString()).toBe(plain);
    expect(seen).toBe(csv.length + plain.length);
    expect(leftovers()).toEqual([]);
    requests = [];
    const again = await fetchDataset(d, { root });
    expect(again.map((f) => f.status)).toEqual(["cached", "cached"]);
    expect(requests).toEqual([]);
  });

  it("a wrong hash leaves nothing behind, neither in the dataset folder nor as a partial file", async () => {
    routes.set("/canon/a.csv", Buffer.from(`${csv}tampered`));
    await expect(fetchDataset(dataset([fileA()]), { root })).rejects.toMatchObject({ code: "CHECKSUM_MISMATCH" });
    expect(existsSync(stored("cat/a.csv"))).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it("a server that drops mid-body leaves no file in place, and the next run resumes with a Range request", async () => {
    routes.set("/canon/a.csv", Buffer.from(csv));
    drop.add("/canon/a.csv");
    const d = dataset([fileA()]);
    await expect(fetchDataset(d, { root })).rejects.toMatchObject({ code: "DOWNLOAD_FAILED", message: /resume/ });
    expect(existsSync(stored("cat/a.csv"))).toBe(false);
    drop.clear();
    requests = [];
    const [f] = await fetchDataset(d, { root });
    expect(f).toMatchObject({ status: "fetched", resumed: true });
    expect(f?.received).toBeLessThan(csv.length);
    expect(requests[0]).toMatch(/^bytes=\d+- \/canon\/a\.csv$/);
    expect(readFileSync(stored("cat/a.csv"), "utf8")).toBe(csv);
    expect(leftovers()).toEqual([]);
  });

  it("a transfer that stalls gives up after the idle timeout, keeps its bytes and resumes on the next run", async () => {
    routes.set("/canon/a.csv", Buffer.from(csv));
    stall.add("/canon/a.csv");
    const d = dataset([fileA()]);
    await expect(fetchDataset(d, { root, idleTimeoutMs: 300 })).rejects.toMatchObject({
      code: "DOWNLOAD_FAILED",
      message: /no data for 0\.3 s/,
    });
    expect(existsSync(stored("cat/a.csv"))).toBe(false);
    stall.clear();
    const [f] = await fetchDataset(d, { root });
    expect(f?.received).toBeLessThan(csv.length);
    expect(readFileSync(stored("cat/a.csv"), "utf8")).toBe(csv);
  });

  it("a server that cannot be reached is named with the reason", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    await expect(fetchDataset(dataset([fileA()]), { root, from: `http://127.0.0.1:${port}/m` })).rejects.toMatchObject({
      code: "DOWNLOAD_FAILED",
      message: `cannot reach http://127.0.0.1:${port}/m/toy/cat/a.csv: ECONNREFUSED`,
    });
  });

  it("HTTP 404 is a failure that names the URL and keeps nothing", async () => {
    await expect(fetchDataset(dataset([fileA()]), { root })).rejects.toMatchObject({
      code: "DOWNLOAD_FAILED",
      message: /canon\/a\.csv: HTTP 404/,
    });
    expect(existsSync(stored("cat/a.csv"))).toBe(false);
  });

  it("NAB labels are reduced to the dataset's series and checked against the stored copy's hash", async () => {
    routes.set("/canon/a.csv", Buffer.from(csv));
    routes.set("/canon/labels.json", Buffer.from(JSON.stringify(labelsAll, null, 4)));
    const labels: DataFile = {
      path: "labels.json",
      bytes: labelsOurs.length,
      sha256: sha(labelsOurs),
      url: `${base}/canon/labels.json`,
      transform: "nab-labels",
    };
    await fetchDataset(dataset([fileA(), labels]), { root });
    expect(readFileSync(stored("labels.json"), "utf8")).toBe(labelsOurs);
  });

  it("a file without a canonical URL asks for --from (bad input, not a crash)", async () => {
    const d = { ...dataset([fileA({ url: undefined })]), canonicalNote: "only a tar archive upstream" };
    await expect(fetchDataset(d, { root })).rejects.toMatchObject({ code: "INVALID_INPUT", issues: [{ message: /only a tar archive/ }] });
  });
});

/** A ustar archive of `files` (what aclImdb_v1.tar.gz is), gzip'd. */
function tarGz(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content);
    const h = Buffer.alloc(512);
    h.write(name, 0);
    h.write("0000644\0", 100);
    h.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
    h.write("00000000000\0", 136);
    h.write("        ", 148);
    h.write("0", 156);
    h.write("ustar\0" + "00", 257);
    const sum = h.reduce((a, b) => a + b, 0);
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

describe("fetchDataset building IMDB from its canonical archive", () => {
  it("reads the archive once, writes each split as JSON Lines ordered by sha256(id), and checks the content hash", async () => {
    const reviews: Record<string, string> = {
      "aclImdb/README": "the dataset's own README",
      "aclImdb/train/pos/1_9.txt": "Great film.<br /><br />Truly — é",
      "aclImdb/train/neg/2_1.txt": 'Awful, "really" awful',
      "aclImdb/train/unsup/3_0.txt": "not labeled: left out",
      "aclImdb/test/pos/4_8.txt": "Lovely",
      "aclImdb/test/neg/5_2.txt": "Dull",
    };
    const expected = (split: string): string =>
      Object.entries(reviews)
        .map(([name, text]) => /^aclImdb\/(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/.exec(name) ?? [name, "", "", "", "", text])
        .filter((m) => m[1] === split)
        .map((m) => {
          const id = `${m[1]}/${m[2]}/${m[3]}_${m[4]}`;
          return {
            key: sha(id),
            line: JSON.stringify({ id, rating: Number(m[4]), label: m[2] === "pos" ? 1 : 0, text: reviews[m[0] ?? ""] }),
          };
        })
        .sort((a, b) => (a.key < b.key ? -1 : 1))
        .map((r) => `${r.line}\n`)
        .join("");
    routes.set("/stanford/aclImdb_v1.tar.gz", tarGz(reviews));
    const split = (path: string): DataFile => {
      const text = expected(path.startsWith("test") ? "test" : "train");
      return {
        path,
        bytes: 1,
        sha256: sha(gzipSync(text)),
        contentSha256: sha(text),
        url: `${base}/stanford/aclImdb_v1.tar.gz`,
        transform: "aclimdb",
      };
    };
    const r = await fetchDataset(dataset([split("train.jsonl.gz"), split("test.jsonl.gz")]), { root });
    expect(r.map((f) => f.status)).toEqual(["fetched", "fetched"]);
    expect(requests).toEqual(["GET /stanford/aclImdb_v1.tar.gz"]);
    expect(gunzipSync(readFileSync(stored("train.jsonl.gz"))).toString()).toBe(expected("train"));
    expect(
      gunzipSync(readFileSync(stored("test.jsonl.gz")))
        .toString()
        .split("\n"),
    ).toHaveLength(3);
    expect(leftovers()).toEqual([]);

    routes.set("/stanford/aclImdb_v1.tar.gz", tarGz({ ...reviews, "aclImdb/test/neg/6_3.txt": "an extra review" }));
    await expect(fetchDataset(dataset([split("test.jsonl.gz")]), { root, force: true })).rejects.toMatchObject({
      code: "CHECKSUM_MISMATCH",
    });
    expect(leftovers()).toEqual([]);
  });
});

describe("fetchDataset from a mirror (--from)", () => {
  it("reads <mirror>/<name>/<file> over http and from a folder; a gzip made by another fetch passes on its content", async () => {
    routes.set("/m/toy/cat/a.csv", Buffer.from(csv));
    routes.set("/m/toy/jobs.csv.gz", packed);
    const d = dataset([fileA({ url: undefined }), fileB({ url: undefined })]);
    const r = await fetchDataset(d, { root, from: `${base}/m/` });
    expect(r.map((f) => f.source)).toEqual([`${base}/m/toy/cat/a.csv`, `${base}/m/toy/jobs.csv.gz`]);

    const mirror = mkdtempSync(join(tmpdir(), "aidc-mirror-"));
    mkdirSync(join(mirror, "toy", "cat"), { recursive: true });
    writeFileSync(join(mirror, "toy", "cat", "a.csv"), csv);
    writeFileSync(join(mirror, "toy", "jobs.csv.gz"), gzipSync(plain, { level: 1 })); // other bytes, same content
    const r2 = await fetchDataset(d, { root, from: mirror, force: true });
    expect(r2.map((f) => f.status)).toEqual(["fetched", "fetched"]);
    expect(gunzipSync(readFileSync(stored("jobs.csv.gz"))).toString()).toBe(plain);
    rmSync(mirror, { recursive: true, force: true });
  });

  it("a folder mirror without the file is bad input naming the path", async () => {
    const mirror = mkdtempSync(join(tmpdir(), "aidc-mirror-"));
    await expect(fetchDataset(dataset([fileA()]), { root, from: mirror })).rejects.toMatchObject({
      code: "INVALID_INPUT",
      issues: [{ path: "--from", message: expect.stringContaining(join(mirror, "toy", "cat", "a.csv")) }],
    });
    rmSync(mirror, { recursive: true, force: true });
  });
});
