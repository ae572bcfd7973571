import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { asText, invalid, oddString, valid, type JsonSchema } from "./openapi-arbitrary.js";

// Property-based fuzzing of the whole API from its own document: every operation of /openapi.json
// gets requests built from its schemas (valid-ish and broken path parameters, query strings,
// headers and bodies) with an admin token. Every answer must be below 500, have a status the
// document lists for that operation, and an error body of the one shape. Seeded, so a failure
// repeats; the report names the exact request.

const repo = new URL("../../", import.meta.url).pathname;
const SEED = 20_261_202;
const RUNS_PER_OPERATION = Number(process.env["AIDC_FUZZ_RUNS"] ?? 12); // AIDC_FUZZ_RUNS=200 searches harder
const dataDir = mkdtempSync(join(tmpdir(), "aidc-fuzz-"));
let server: RunningServer;
let token: string;

interface Parameter {
  readonly name: string;
  readonly in: "path" | "query" | "header";
  readonly required?: boolean;
  readonly schema?: JsonSchema;
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body?: JsonSchema;
  /** The operation also takes YAML (job submissions). */
  readonly yaml: boolean;
  readonly statuses: readonly string[];
}
interface Sent {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

async function operations(): Promise<Operation[]> {
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
    paths: Record<
      string,
      Record<
        string,
        {
          parameters?: Parameter[];
          requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
          responses?: Record<string, unknown>;
        }
      >
    >;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const body = op.requestBody?.content?.["application/json"]?.schema;
      return {
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(body !== undefined ? { body } : {}),
        yaml: op.requestBody?.content?.["application/yaml"] !== undefined,
        statuses: Object.keys(op.responses ?? {}),
      };
    }),
  );
}

/** YAML that has hurt servers: alias bombs, deep nesting, tags, broken syntax. */
const NASTY_YAML = [
  "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
  `${"[".repeat(5000)}${"]".repeat(5000)}`,
  "!!js/function 'function () { return 1 }'",
  "apiVersion: aidc/v1\nkind: Job\nname: [unclosed\n",
  "\tkind: Job",
  "apiVersion: aidc/v1\nkind: Job\nname: y\ntasks: [{}]\nrun: { command: 'true' }\n",
];

/** Requests for one operation: each part valid-ish or broken, independently. */
function requests(op: Operation): fc.Arbitrary<Sent> {
  const part = (p: Parameter): fc.Arbitrary<string | undefined> => {
    const v = fc.oneof(
      { weight: 3, arbitrary: valid(p.schema).map(asText) },
      { weight: 1, arbitrary: invalid(p.schema).map(asText) },
      oddString,
    );
    // "." and ".." are resolved away by any HTTP client before they reach the server
    if (p.in === "path") return v.filter((s) => s !== "" && s !== "." && s !== "..");
    return p.required === true ? fc.oneof({ weight: 4, arbitrary: v }, fc.constant(undefined)) : fc.option(v, { nil: undefined });
  };
  const params = fc.record(Object.fromEntries(op.parameters.map((p, i) => [String(i), part(p)])));
  const extraQuery = fc.option(fc.constantFrom("fuzz=1", "limit=1&limit=2", "%zz=1", "a[b]=c"), { nil: undefined, freq: 8 });
  const json = (text: fc.Arbitrary<string>): fc.Arbitrary<[string, string]> => text.map((t) => ["application/json", t]);
  const bodies: fc.WeightedArbitrary<[string, string]>[] = [
    { weight: 3, arbitrary: json(valid(op.body).map((b) => JSON.stringify(b))) },
    { weight: 2, arbitrary: json(invalid(op.body).map((b) => JSON.stringify(b))) },
    { weight: 1, arbitrary: json(fc.constantFrom("", "{", "null", "[]", '{"a":1}{', "\u0000")) },
  ];
  if (op.yaml) bodies.push({ weight: 2, arbitrary: fc.constantFrom(...NASTY_YAML).map((t): [string, string] => ["application/yaml", t]) });
  const body = op.body === undefined ? fc.constant(undefined) : fc.oneof(...bodies);
  return fc.tuple(params, extraQuery, body).map(([values, extra, typed]) => {
    const b = typed?.[1];
    let path = op.path;
    const query: string[] = [];
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    op.parameters.forEach((p, i) => {
      const v = values[String(i)];
      if (v === undefined) return;
      if (p.in === "path") path = path.replace(`{${p.name}}`, encodeURIComponent(v));
      else if (p.in === "query") query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(v)}`);
      else if (/^[\t\x20-\x7e]*$/.test(v)) headers[p.name] = v;
    });
    if (extra !== undefined) query.push(extra);
    if (typed !== undefined) headers["content-type"] = typed[0];
    return {
      method: op.method,
      url: `${path}${query.length > 0 ? `?${query.join("&")}` : ""}`,
      headers,
      ...(b !== undefined ? { body: b } : {}),
    };
  });
}

/** What is wrong with one answer, or undefined. */
function problem(op: Operation, status: number, type: string, text: string): string | undefined {
  if (status >= 500) return `${status}: ${text.slice(0, 300)}`;
  if (!op.statuses.includes(String(status)))
    return `undocumented status ${status} (documented: ${op.statuses.join(", ")}): ${text.slice(0, 200)}`;
  if (status < 400 || !type.includes("json")) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `error body is not JSON: ${text.slice(0, 200)}`;
  }
  const error = (body as { error?: unknown }).error;
  if (op.path.startsWith("/v2"))
    return typeof error === "string" ? undefined : `OIP error body is not {error: string}: ${text.slice(0, 200)}`;
  const e = error as { code?: unknown; message?: unknown; issues?: unknown } | undefined;
  const ok =
    typeof e?.code === "string" &&
    typeof e.message === "string" &&
    (e.issues === undefined || (Array.isArray(e.issues) && e.issues.every((i: { path?: unknown }) => typeof i.path === "string")));
  if (!ok) return `error body is not {error: {code, message, issues?}}: ${text.slice(0, 200)}`;
  if (text.includes(dataDir) || text.includes(repo)) return `error body shows a server path: ${text.slice(0, 200)}`;
  return undefined;
}

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    executor: "sim",
    logLevel: "silent",
    metricsIntervalS: 3600,
    rateLimitPerS: 0,
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

describe("the API against its OpenAPI document (property-based)", () => {
  it("answers every generated request of every operation below 500, with a documented status and the one error shape", async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(40);
    const failures: string[] = [];
    for (const [index, op] of ops.entries()) {
      const result = await fc.check(
        fc.asyncProperty(requests(op), async (req) => {
          const res = await fetch(`${server.url}${req.url}`, {
            method: req.method,
            headers: req.headers,
            ...(req.body !== undefined ? { body: req.body } : {}),
            signal: AbortSignal.timeout(20_000),
          });
          const text = await res.text();
          const problemFound = problem(op, res.status, res.headers.get("content-type") ?? "", text);
          if (problemFound !== undefined) throw new Error(problemFound);
        }),
        { seed: SEED + index, numRuns: RUNS_PER_OPERATION, endOnFailure: true },
      );
      if (result.failed) {
        const req = result.counterexample?.[0] as Sent | undefined;
        const sent = req ? `${req.method} ${req.url.slice(0, 300)}${req.body !== undefined ? ` body=${req.body.slice(0, 300)}` : ""}` : "?";
        const why = String((result.errorInstance as Error | undefined)?.message).slice(0, 400);
        failures.push(`${op.method} ${op.path}: ${why}\n    request: ${sent}`);
      }
    }
    expect(failures, failures.join("\n")).toEqual([]);
  }, 120_000);

  it("answers 405 with an Allow header for every method a documented path does not have", async () => {
    const ops = await operations();
    const failures: string[] = [];
    const shape = (path: string): string => path.replace(/\{\w+\}/g, "{}");
    for (const path of new Set(ops.map((o) => shape(o.path)))) {
      const methods = new Set(ops.filter((o) => shape(o.path) === path).map((o) => o.method));
      const concrete = path.replace(/\{\}/g, "x");
      for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"].filter((m) => !methods.has(m))) {
        const res = await fetch(`${server.url}${concrete}`, { method, headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        const allow = res.headers.get("allow") ?? "";
        if (res.status !== 405 || ![...methods].every((m) => allow.includes(m)))
          failures.push(`${method} ${concrete}: ${res.status} allow=${allow}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("refuses an unknown query parameter on every GET without path parameters, naming it", async () => {
    const failures: string[] = [];
    for (const op of (await operations()).filter((o) => o.method === "GET" && !o.path.includes("{"))) {
      const res = await fetch(`${server.url}${op.path.replace(/\{\w+\}/g, "x")}?no-such-parameter=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const text = await res.text();
      if (res.status !== 400 || !text.includes("no-such-parameter"))
        failures.push(`${op.method} ${op.path}: ${res.status} ${text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });
});
