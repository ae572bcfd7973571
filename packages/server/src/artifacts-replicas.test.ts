import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { packageTar, tinyModel } from "./artifacts/fixtures.testing.js";
import { startServer, type RunningServer } from "./main.js";
import { describeStores } from "./store/contract/harness.testing.js";

// Two servers on one store and one blob folder (replicas): the artifact API answers the same on both.
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describeStores("artifacts on two replicas sharing a store", (_open, kit) => {
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  const tok: Record<string, string> = {};

  async function call(s: RunningServer, who: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${s.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${tok[who] ?? ""}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown> };
  }

  async function publish(s: RunningServer, who: string, name: string, data: Buffer, extra: Record<string, unknown> = {}) {
    const { id } = (await call(s, who, "POST", "/api/v1/uploads")).body as { id: string };
    const up = await fetch(`${s.url}/api/v1/uploads/${id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${tok[who] ?? ""}`, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: data,
    });
    expect(up.status).toBe(200);
    return call(s, who, "POST", "/api/v1/artifacts", { project: "shared", name, kind: "other", uploadId: id, sha256: sha(data), ...extra });
  }

  const score = async (s: RunningServer, name: string) => {
    const r = await call(s, "ann", "POST", `/api/v1/models/${name}:predict`, { instances: ["wonderful, brilliant and moving"] });
    expect(r.status).toBe(200);
    return (r.body["predictions"] as { score: number }[])[0]?.score ?? NaN;
  };

  it("concurrent publishes through both number versions without gaps; a promotion on one serves on the other", async () => {
    const url = await kit.freshUrl();
    const blobDir = mkdtempSync(join(tmpdir(), "aidc-rep-blobs-"));
    for (const id of ["a", "b"]) {
      const dataDir = mkdtempSync(join(tmpdir(), `aidc-rep-${id}-`));
      servers.push(
        await startServer({
          host: "127.0.0.1",
          port: 0,
          dataDir,
          logLevel: "silent",
          metricsIntervalS: 0,
          store: url,
          blobDir,
          replicaId: id,
        }),
      );
    }
    const [a, b] = servers as [RunningServer, RunningServer];
    tok["ann"] = await a.store.tokens.create("ann", "user", Date.now());
    tok["bob"] = await b.store.tokens.create("bob", "user", Date.now());

    const made = await Promise.all(Array.from({ length: 8 }, (_, i) => publish(i % 2 === 0 ? a : b, "ann", "data", Buffer.from(`v${i}`))));
    expect(made.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(made.map((r) => r.body["version"] as number).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(((await call(b, "ann", "GET", "/api/v1/projects/shared")).body["members"] as unknown[]).length).toBe(1);
    expect((await publish(b, "bob", "data", Buffer.from("bob"))).status).toBe(403);

    const work = mkdtempSync(join(tmpdir(), "aidc-rep-work-"));
    const meta = { kind: "model", metadata: { format: "aidc-model-package+tar" } };
    expect((await publish(a, "ann", "sent", packageTar(await tinyModel(join(work, "m1"))), meta)).status).toBe(201);
    expect((await publish(b, "ann", "sent", packageTar(await tinyModel(join(work, "m2"), { inverted: true })), meta)).status).toBe(201);
    expect((await call(a, "ann", "POST", "/api/v1/models/sent/promote", { artifact: "shared/sent:1", public: true })).status).toBe(200);
    expect(await score(b, "sent")).toBeGreaterThan(0.5); // b unpacks the version a promoted
    expect(
      (
        await fetch(`${b.url}/api/v1/models/sent:predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"instances":["x"]}',
        })
      ).status,
    ).toBe(200);
    expect((await call(b, "ann", "POST", "/api/v1/models/sent/promote", { artifact: "shared/sent:2" })).status).toBe(200);
    expect(await score(a, "sent")).toBeLessThan(0.5); // and a switches to the version b promoted
    expect((await call(a, "ann", "DELETE", "/api/v1/artifacts/shared/sent/2")).status).toBe(409);
    expect((await call(b, "ann", "DELETE", "/api/v1/models/sent")).status).toBe(200);
    expect((await call(a, "ann", "GET", "/api/v1/models")).body["models"]).toEqual([]);
  });
});
