import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32, trainSentiment } from "@aidc/workloads";
import { startServer, type RunningServer } from "../main.js";
import { OipClient, OipError, type InferInput } from "./oip-client.testing.js";

// A small labelled dataset made here (no ../shared needed): reviews mixing sentiment words into filler.
const POSITIVE = ["wonderful", "brilliant", "loved", "great", "moving", "superb", "delightful", "excellent", "beautiful", "charming"];
const NEGATIVE = ["awful", "boring", "waste", "terrible", "dull", "worst", "bad", "poor", "annoying", "stupid"];
const FILLER = ["the", "film", "movie", "plot", "actor", "scene", "story", "director", "was", "and", "a", "it", "with", "this", "music"];

function reviews(n: number, seed: number): string {
  const rnd = mulberry32(seed);
  const pick = (words: readonly string[]): string => words[Math.floor(rnd() * words.length)]!;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const words = Array.from({ length: 6 + Math.floor(rnd() * 6) }, () => pick(FILLER));
    for (let k = 0; k < 3; k++) words.splice(Math.floor(rnd() * words.length), 0, pick(label === 1 ? POSITIVE : NEGATIVE));
    lines.push(JSON.stringify({ text: words.join(" "), label }));
  }
  return lines.join("\n") + "\n";
}

const dataDir = mkdtempSync(join(tmpdir(), "aidc-oip-"));
const GOOD = "A wonderful, brilliant film with superb music. I loved it!";
const BAD = "An awful, boring waste of time; the worst plot and a dull actor.";
let server: RunningServer;
let admin: string;
let oip: OipClient; // a user: may infer
let viewer: OipClient; // may read metadata, not infer
let anonymous: OipClient;

async function createToken(user: string, role: string): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ user, role }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** The aidc predict route's scores for the same texts. */
async function aidcScores(texts: string[]): Promise<number[]> {
  const res = await fetch(`${server.url}/api/v1/models/sentiment:predict`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify({ instances: texts }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { predictions: { score: number }[] }).predictions.map((p) => p.score);
}

const text = (data: unknown[], extra: Partial<InferInput> = {}): InferInput => ({
  name: "text",
  shape: [data.length],
  datatype: "BYTES",
  data,
  ...extra,
});

/** The error an inference request gets, as the protocol's client sees it. */
async function inferError(client: OipClient, ...args: Parameters<OipClient["infer"]>): Promise<OipError> {
  const e: unknown = await client.infer(...args).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OipError);
  return e as OipError;
}

beforeAll(async () => {
  writeFileSync(join(dataDir, "train.jsonl"), reviews(600, 7));
  const out = join(dataDir, "models", "sentiment");
  await trainSentiment({ preset: "fast", dataPath: join(dataDir, "train.jsonl"), outDir: out, hyper: { bits: 16, epochs: 2 } });
  cpSync(out, join(dataDir, "models", "broken"), { recursive: true });
  const weights = join(dataDir, "models", "broken", "weights.bin");
  const bytes = readFileSync(weights);
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  writeFileSync(weights, bytes);
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0 });
  admin = readFileSync(server.adminTokenFile, "utf8").trim();
  oip = new OipClient(server.url, await createToken("ana", "user"));
  viewer = new OipClient(server.url, await createToken("val", "viewer"));
  anonymous = new OipClient(server.url);
}, 60_000);
afterAll(async () => {
  await server.close();
});

describe("Open Inference Protocol v2: health and metadata", () => {
  it("answers live and ready without a token, with an empty body", async () => {
    expect(await anonymous.live()).toBe(true);
    expect(await anonymous.ready()).toBe(true);
    for (const path of ["/v2/health/live", "/v2/health/ready"]) {
      const r = await anonymous.raw("GET", path);
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(0);
    }
  });

  it("gives server metadata (JSON, not the console's HTML) and advertises the binary tensor extension", async () => {
    const r = await viewer.raw("GET", "/v2");
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    const meta = await viewer.serverMetadata();
    expect(meta).toMatchObject({ name: "aidc", version: expect.any(String) as string });
    expect(meta.extensions).toContain("binary_tensor_data");
  });

  it("gives model metadata: versions, platform, the BYTES input and the two outputs", async () => {
    const meta = await viewer.modelMetadata("sentiment");
    expect(meta).toEqual({
      name: "sentiment",
      versions: [expect.stringMatching(/^[0-9a-f]{12}$/) as string],
      platform: "aidc_fast",
      inputs: [{ name: "text", datatype: "BYTES", shape: [-1] }],
      outputs: [
        { name: "score", datatype: "FP32", shape: [-1] },
        { name: "label", datatype: "BYTES", shape: [-1] },
      ],
    });
    const version = (meta["versions"] as string[])[0]!;
    expect(await viewer.modelMetadata("sentiment", version)).toEqual(meta);
    expect(await viewer.modelReady("sentiment")).toBe(true);
    expect(await viewer.modelReady("sentiment", version)).toBe(true);
    expect(await viewer.modelReady("sentiment", "000000000000")).toBe(false);
  });

  it("says 404 with a string error for an unknown model or version, and not ready for a corrupted package", async () => {
    await expect(viewer.modelMetadata("nope")).rejects.toMatchObject({ status: 404, message: 'Request for unknown model "nope"' });
    await expect(viewer.modelMetadata("sentiment", "1")).rejects.toMatchObject({ status: 404, message: /version "1"/ });
    expect(await viewer.modelReady("nope")).toBe(false);
    expect(OipClient.error(await viewer.raw("GET", "/v2/models/nope/ready"))).toMatchObject({ status: 404 });
    const broken = await viewer.raw("GET", "/v2/models/broken/ready");
    expect(broken.status).toBe(400);
    const e = OipClient.error(broken);
    expect(e.message).toMatch(/not ready/);
    expect(e.message).not.toContain(dataDir);
    await expect(viewer.modelMetadata("broken")).rejects.toMatchObject({ status: 503 });
  });

  it("answers every other /v2 path and method with a JSON string error (404 or 405), never HTML", async () => {
    for (const [method, path, status] of [
      ["GET", "/v2/nope", 404],
      ["GET", "/v2/models/sentiment/nope", 404],
      ["POST", "/v2/health/live", 405],
      ["GET", "/v2/models/sentiment/infer", 405],
      ["DELETE", "/v2", 405],
    ] as const) {
      const r = await oip.raw(method, path);
      expect({ method, path, status: r.status }).toEqual({ method, path, status });
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      expect(typeof OipClient.error(r).message).toBe("string");
    }
  });

  it("needs a token for everything but the health probes, and says so in a string error", async () => {
    for (const path of ["/v2", "/v2/models/sentiment", "/v2/models/sentiment/ready", "/v2/nope"]) {
      const r = await anonymous.raw("GET", path);
      expect({ path, status: r.status }).toEqual({ path, status: 401 });
      expect(OipClient.error(r).message).toMatch(/token/i);
    }
    const e = await inferError(anonymous, "sentiment", [text([GOOD])]);
    expect(e.status).toBe(401);
    // any role may predict (issue #12: a token is what predictions need)
    expect((await viewer.infer("sentiment", [text([GOOD])])).model_name).toBe("sentiment");
  });
});

describe("Open Inference Protocol v2: inference", () => {
  it("takes JSON with no Content-Type, echoes the id and gives the aidc predict route's exact scores", async () => {
    const r = await oip.infer("sentiment", [text([GOOD, BAD])], { id: "r-1" });
    expect(r).toMatchObject({ model_name: "sentiment", id: "r-1", contentType: expect.stringMatching(/^application\/json/) as string });
    expect(r.model_version).toMatch(/^[0-9a-f]{12}$/);
    expect(r.outputs.map((o) => [o.name, o.datatype, o.shape, o.binary])).toEqual([
      ["score", "FP32", [2], false],
      ["label", "BYTES", [2], false],
    ]);
    expect(r.outputs[1]?.data).toEqual(["positive", "negative"]);
    expect(r.outputs[0]?.data).toEqual(await aidcScores([GOOD, BAD]));
  });

  it("takes any JSON-ish content type, and parameters", async () => {
    for (const contentType of ["application/json", "application/json; charset=utf-8", "text/plain", "application/octet-stream"]) {
      const r = await oip.infer("sentiment", [text([GOOD])], { contentType, parameters: { priority: 0, note: "x", sync: true } });
      expect({ contentType, label: r.outputs[1]?.data }).toEqual({ contentType, label: ["positive"] });
    }
  });

  it("takes shape [N, 1] in flat or natural form and answers in the same shape", async () => {
    for (const data of [
      [GOOD, BAD],
      [[GOOD], [BAD]],
    ]) {
      const r = await oip.infer("sentiment", [text(data, { shape: [2, 1] })]);
      expect(r.outputs.map((o) => o.shape)).toEqual([
        [2, 1],
        [2, 1],
      ]);
      expect(r.outputs[1]?.data).toEqual(["positive", "negative"]);
    }
  });

  it("returns only the outputs asked for, by name", async () => {
    const r = await oip.infer("sentiment", [text([BAD])], { outputs: [{ name: "label" }] });
    expect(r.outputs.map((o) => o.name)).toEqual(["label"]);
    expect(r.outputs[0]?.data).toEqual(["negative"]);
  });

  it("speaks the binary tensor data extension both ways (Inference-Header-Content-Length, length-prefixed BYTES, FP32)", async () => {
    const texts = [GOOD, BAD, "The music was délicieux — 素晴らしい, a wonderful scene."];
    const expected = await aidcScores(texts);
    const all = await oip.infer("sentiment", [text(texts, { binary: true })], { parameters: { binary_data_output: true } });
    expect(all.contentType).toBe("application/octet-stream");
    expect(all.headerLength).toBeGreaterThan(0);
    expect(all.outputs.map((o) => [o.name, o.binary, o.parameters?.["binary_data_size"]])).toEqual([
      ["score", true, 12],
      ["label", true, 4 + 8 + 4 + 8 + 4 + 8],
    ]);
    expect(all.outputs[0]?.data).toEqual(expected.map((s) => Math.fround(s)));
    expect(all.outputs[1]?.data).toEqual(["positive", "negative", "positive"]);

    // per-output binary_data overrides binary_data_output; a binary input with JSON outputs is plain JSON
    const mixed = await oip.infer("sentiment", [text(texts, { binary: true })], {
      parameters: { binary_data_output: true },
      outputs: [{ name: "score", binary: false }, { name: "label" }],
    });
    expect(mixed.outputs.map((o) => [o.name, o.binary])).toEqual([
      ["score", false],
      ["label", true],
    ]);
    expect(mixed.outputs[0]?.data).toEqual(expected);
    const json = await oip.infer("sentiment", [text(texts, { binary: true })]);
    expect(json.contentType).toMatch(/^application\/json/);
    expect(json.headerLength).toBeUndefined();
    expect(json.outputs[0]?.data).toEqual(expected);
  });

  it("takes gzip and deflate request bodies (Content-Encoding), binary or JSON", async () => {
    for (const compress of ["gzip", "deflate"] as const) {
      const r = await oip.infer("sentiment", [text([GOOD, BAD], { binary: true })], { compress });
      expect(r.outputs[1]?.data).toEqual(["positive", "negative"]);
    }
  });

  it("infers through /versions/{v}/infer, and 404s for another version", async () => {
    const version = ((await oip.modelMetadata("sentiment"))["versions"] as string[])[0]!;
    const r = await oip.infer("sentiment", [text([GOOD])], { version });
    expect(r.model_version).toBe(version);
    expect(await inferError(oip, "sentiment", [text([GOOD])], { version: "ffffffffffff" })).toMatchObject({ status: 404 });
  });

  it("refuses bad requests with 400 and one string error that says what is wrong", async () => {
    const cases: [string, Parameters<OipClient["infer"]>, RegExp][] = [
      ["datatype", ["sentiment", [text([GOOD], { datatype: "FP32" })]], /datatype FP32.*takes BYTES/],
      ["shape", ["sentiment", [text([GOOD, BAD], { shape: [3] })]], /shape \[3\] but 2 elements/],
      ["rank", ["sentiment", [text([GOOD, BAD], { shape: [1, 2] })]], /takes \[-1\] or \[-1, 1\]/],
      ["input name", ["sentiment", [{ ...text([GOOD]), name: "review" }]], /unexpected inference input "review"/],
      ["output name", ["sentiment", [text([GOOD])], { outputs: [{ name: "logits" }] }], /unexpected inference output "logits"/],
      ["inherited name", ["sentiment", [text([GOOD])], { outputs: [{ name: "toString" }] }], /unexpected inference output "toString"/],
      ["input twice", ["sentiment", [text([GOOD]), text([BAD])]], /given 2 times/],
      ["empty text", ["sentiment", [text([""])]], /inputs\[0\]\.data\[0\]/],
      ["no data", ["sentiment", [text([])]], /inputs\[0\]\.data/],
      ["binary FP32", ["sentiment", [text(["1"], { datatype: "FP32", binary: true })]], /binary data of FP32/],
    ];
    for (const [what, args, message] of cases) {
      const e = await inferError(oip, ...args);
      expect({ what, status: e.status, message: e.message }).toMatchObject({
        what,
        status: 400,
        message: expect.stringMatching(message) as string,
      });
    }
  });

  it("refuses malformed bodies and binary framing with 400 string errors", async () => {
    const post = (body: Buffer | string, headers: Record<string, string> = {}): Promise<OipError> =>
      oip.raw("POST", "/v2/models/sentiment/infer", body, headers).then((r) => OipClient.error(r));
    expect(await post("{not json")).toMatchObject({ status: 400, message: /not JSON/ });
    expect(await post("")).toMatchObject({ status: 400 });
    const { body, headers } = OipClient.encode([text([GOOD, BAD], { binary: true })]);
    const json = Number(headers["Inference-Header-Content-Length"]);
    expect(await post(body.subarray(0, body.length - 3), headers)).toMatchObject({ status: 400, message: /binary_data_size/ });
    expect(await post(Buffer.concat([body, Buffer.from("xx")]), headers)).toMatchObject({ status: 400, message: /2 bytes follow/ });
    expect(await post(body, { "Inference-Header-Content-Length": String(body.length + 1) })).toMatchObject({ status: 400 });
    expect(await post(body, { "Inference-Header-Content-Length": "12abc" })).toMatchObject({
      status: 400,
      message: /Inference-Header-Content-Length/,
    });
    expect(await post(body.subarray(0, json))).toMatchObject({ status: 400, message: /binary_data_size/ }); // header missing
    const bad = Buffer.from(body);
    bad.writeUInt32LE(1_000_000, json); // first element claims more bytes than the tensor has
    expect(await post(bad, headers)).toMatchObject({ status: 400, message: /element 0/ });
    expect(await post(body, { ...headers, "Content-Encoding": "gzip" })).toMatchObject({ status: 400, message: /Content-Encoding/ });
    expect(await post(body, { ...headers, "Content-Encoding": "br" })).toMatchObject({ status: 400, message: /not supported/ });
    expect(await post(Buffer.alloc(5 * 1024 * 1024, 32))).toMatchObject({ status: 413 }); // over the 4 MiB body limit
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 32)); // 64 KiB that inflate to 64 MiB
    expect(await post(bomb, { "Content-Encoding": "gzip" })).toMatchObject({ status: 400, message: /cannot be decompressed within/ });
  });

  it("answers an unknown model with 404 and a corrupted one with 503, both string errors without server paths", async () => {
    expect(await inferError(oip, "nope", [text([GOOD])])).toMatchObject({ status: 404, message: 'Request for unknown model "nope"' });
    const broken = await inferError(oip, "broken", [text([GOOD])]);
    expect(broken.status).toBe(503);
    expect(broken.message).not.toContain(dataDir);
  });

  it("keeps the aidc error shape on /api and documents the /v2 routes (not the catch-all) in /openapi.json", async () => {
    const res = await fetch(`${server.url}/api/v1/models/nope:predict`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ instances: ["hi"] }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: "NOT_FOUND" });
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const v2 = Object.keys(doc.paths).filter((p) => p.startsWith("/v2"));
    expect(v2).toEqual(
      expect.arrayContaining(["/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/{name}", "/v2/models/{name}/infer"]),
    );
    expect(v2.some((p) => p.includes("*"))).toBe(false);
  });
});
