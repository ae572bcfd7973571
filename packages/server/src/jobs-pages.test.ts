import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";
import { pendingJob } from "./jobs.testing.js";

const dataDir = mkdtempSync(join(tmpdir(), "aidc-pages-"));
let server: RunningServer;
let admin = "";

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });
  return { status: res.status, body: (await res.json()) as T };
}
async function submit(name: string, extra: Record<string, unknown> = {}): Promise<{ id: string }> {
  const res = await fetch(`${server.url}/api/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    body: JSON.stringify(pendingJob(name, extra)),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string };
}

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    executor: "sim",
    simSpeedup: 1000,
    logLevel: "silent",
    metricsIntervalS: 0,
  });
  admin = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server.close();
});

type Page = { jobs: { id: string }[]; nextCursor?: string };

describe("GET /api/v1/jobs pages", () => {
  it("follows nextCursor through more jobs than one page holds, each job once, in submission order", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await submit(`p${i}`)).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await get<Page>(`/api/v1/jobs?limit=5${cursor ? `&after=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      seen.push(...r.body.jobs.map((j) => j.id));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(5);
    expect(seen).toEqual(ids);
    // a page that holds every job has no cursor
    const all = await get<Page>(`/api/v1/jobs?limit=23`);
    expect(all.body.jobs).toHaveLength(23);
    expect(all.body.nextCursor).toBeUndefined();
    // filters apply to every page
    const filtered = await get<Page>(`/api/v1/jobs?limit=2&state=pending&user=admin`);
    expect(filtered.body.jobs).toHaveLength(2);
    expect(filtered.body.nextCursor).toBeDefined();
  });

  it("refuses a cursor it did not make with 400", async () => {
    for (const bad of ["nonsense", Buffer.from("12:../../x").toString("base64url"), Buffer.from("x:j-1").toString("base64url")]) {
      const r = await get<{ error: { code: string; issues: { path: string }[] } }>(`/api/v1/jobs?after=${bad}`);
      expect(r.status).toBe(400);
      expect(r.body.error.issues[0]?.path).toBe("querystring.after");
    }
  });
});

describe("the job routes in /openapi.json", () => {
  it("documents the JobSpec body (JSON and YAML), the cursor and every status of the job routes", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
            responses: Record<string, unknown>;
            parameters?: { name: string }[];
          }
        >
      >;
    };
    const post = doc.paths["/api/v1/jobs"]?.["post"];
    const json = post?.requestBody?.content["application/json"]?.schema as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(json.properties)).toEqual(expect.arrayContaining(["apiVersion", "kind", "name", "tasks", "run", "dependsOn"]));
    expect(json.required).toEqual(expect.arrayContaining(["apiVersion", "kind", "name", "tasks", "run"]));
    expect(post?.requestBody?.content["application/yaml"]?.schema).toMatchObject({ type: "string" });
    // (the app adds the statuses every route shares; these are the job routes' own)
    expect(Object.keys(post?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "201", "400", "401", "403", "409", "413", "415", "429"]),
    );
    const list = doc.paths["/api/v1/jobs"]?.["get"];
    expect(list?.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(["state", "queue", "user", "limit", "after"]));
    expect(Object.keys(doc.paths["/api/v1/jobs/{id}"]?.["delete"]?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "404", "409", "429"]),
    );
    for (const path of ["/api/v1/jobs/{id}", "/api/v1/jobs/{id}/explain", "/api/v1/jobs/{id}/logs", "/api/v1/jobs/{id}/events"]) {
      expect(Object.keys(doc.paths[path]?.["get"]?.responses ?? {}), path).toEqual(
        expect.arrayContaining(["200", "400", "401", "404", "429"]),
      );
    }
  });
});

describe("POST /api/v1/jobs with a large YAML body", () => {
  it("is parsed off the event loop and queued", async () => {
    const labels = Array.from({ length: 4000 }, (_, i) => `  label-${i}: value-${i}`).join("\n");
    const yaml = `apiVersion: aidc/v1\nkind: Job\nname: large\ntasks: [{ resources: { gpus: 0 } }]\ndependsOn: [never-submitted]\nrun: { command: "true" }\nlabels:\n${labels}\n`;
    expect(yaml.length).toBeGreaterThan(64 * 1024);
    const res = await fetch(`${server.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/yaml" },
      body: yaml,
    });
    expect(res.status).toBe(201);
    const job = (await res.json()) as { spec: { labels: Record<string, string> } };
    expect(Object.keys(job.spec.labels)).toHaveLength(4000);
  });
});

describe("GET /api/v1/jobs/{id}/explain", () => {
  it("says when a finished job finished, not 'the job is succeeded'", async () => {
    const { id } = await submit("quick", { tasks: [{}], dependsOn: [], runtimeEstimateS: 1 });
    let why: { state: string; reason: string; message: string } | undefined;
    for (let i = 0; i < 100; i++) {
      why = (await get<{ state: string; reason: string; message: string }>(`/api/v1/jobs/${id}/explain`)).body;
      if (why.state === "succeeded") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(why?.reason).toBe("SUCCEEDED");
    expect(why?.message).toMatch(/^finished: succeeded at \d{4}-\d\d-\d\dT[\d:.]+Z, ran \d+ s with exit code 0$/);
  });
});
