import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "./main.js";

const repo = new URL("../../../", import.meta.url).pathname;
const clusterFile = join(repo, "examples/clusters/demo.yaml");
const dataDir = mkdtempSync(join(tmpdir(), "aidc-events-"));
let server: RunningServer;
const tokens: Record<string, string> = {};
const jobOf: Record<string, string> = {};

interface Event {
  readonly type: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
}

async function api(token: string | undefined, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    ...init,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(typeof init.body === "string" ? { "content-type": "application/json" } : {}),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
}

/** Alice publishes a dataset into her private project "alice-private". */
async function publishPrivate(): Promise<void> {
  const { id } = (await (await api(tokens["alice"], "/api/v1/uploads", { method: "POST" })).json()) as { id: string };
  const patch = await api(tokens["alice"], `/api/v1/uploads/${id}`, {
    method: "PATCH",
    body: Buffer.from("secret rows"),
    headers: { "content-type": "application/offset+octet-stream", "upload-offset": "0" },
  });
  expect(patch.status).toBe(200);
  const body = JSON.stringify({ project: "alice-private", name: "faces", kind: "dataset", uploadId: id });
  expect((await api(tokens["alice"], "/api/v1/artifacts", { method: "POST", body })).status).toBe(201);
}

async function events(who: string, query = ""): Promise<{ list: Event[]; text: string }> {
  const res = await api(tokens[who], `/api/v1/events?limit=1000${query}`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { list: (JSON.parse(text) as { events: Event[] }).events, text };
}

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, clusterFile, executor: "sim", logLevel: "silent" });
  tokens["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  for (const [user, role] of [
    ["alice", "user"],
    ["bob", "user"],
    ["vera", "viewer"],
    ["otto", "operator"],
  ] as const) {
    const res = await api(tokens["admin"], "/api/v1/tokens", { method: "POST", body: JSON.stringify({ user, role }) });
    tokens[user] = ((await res.json()) as { token: string }).token;
  }
  for (const user of ["alice", "bob"]) {
    const job = { apiVersion: "aidc/v1", kind: "Job", name: `${user}-secret-project`, tasks: [{}], run: { command: "true" } };
    const res = await api(tokens[user], "/api/v1/jobs", { method: "POST", body: JSON.stringify(job) });
    expect(res.status).toBe(201);
    jobOf[user] = ((await res.json()) as { id: string }).id;
  }
  await publishPrivate();
});
afterAll(async () => {
  await server.close();
});

describe("GET /api/v1/events as an attacker", () => {
  it("needs a token", async () => {
    expect((await api(undefined, "/api/v1/events")).status).toBe(401);
  });

  it("shows a user only the events of their own jobs: no other users, no tokens, no server or cluster events", async () => {
    const { list, text } = await events("alice");
    expect(list.length).toBeGreaterThan(0);
    // her job, and her own project (created by her upload)
    expect(new Set(list.map((e) => e.subject))).toEqual(
      new Set([`job/${jobOf["alice"]}`, "project/alice-private", "artifact/alice-private/faces"]),
    );
    for (const secret of ["bob", jobOf["bob"] ?? "?", "token.created", "demo.yaml", dataDir, "operator", "admin"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("shows a project's artifact events only to those who may read the project", async () => {
    const about = (list: Event[]): string[] => list.filter((e) => e.subject.includes("alice-private")).map((e) => e.type);
    expect(about((await events("alice")).list)).toEqual(expect.arrayContaining(["artifact.created"]));
    expect(about((await events("otto")).list)).toEqual(expect.arrayContaining(["artifact.created"])); // operators read every project
    for (const who of ["bob", "vera"]) {
      const { list, text } = await events(who);
      expect(about(list)).toEqual([]);
      expect(text).not.toContain("faces");
    }
  });

  it("gives a user nothing when they ask for someone else's subject", async () => {
    expect((await events("alice", `&subject=job/${jobOf["bob"]}`)).list).toEqual([]);
    expect((await events("alice", "&subject=user/bob")).list).toEqual([]);
    expect((await events("alice", `&subject=job/${jobOf["alice"]}`)).list.length).toBeGreaterThan(0);
  });

  it("shows viewers and operators every job's events but no token events and no file paths", async () => {
    for (const who of ["vera", "otto"]) {
      const { list, text } = await events(who);
      const subjects = new Set(list.map((e) => e.subject));
      expect(subjects).toContain(`job/${jobOf["alice"]}`);
      expect(subjects).toContain(`job/${jobOf["bob"]}`);
      expect(list.some((e) => e.type === "cluster.loaded")).toBe(true);
      expect(list.some((e) => e.type.startsWith("token."))).toBe(false);
      expect(text).not.toContain(clusterFile);
      expect(text).not.toContain(dataDir);
    }
  });

  it("shows admins everything, including who got which role and where the cluster file is", async () => {
    const { list } = await events("admin");
    expect(list.filter((e) => e.type === "token.created").map((e) => e.subject)).toEqual(
      expect.arrayContaining(["user/alice", "user/bob", "user/vera", "user/otto"]),
    );
    expect(list.find((e) => e.type === "cluster.loaded")?.data["source"]).toBe(clusterFile);
  });
});
