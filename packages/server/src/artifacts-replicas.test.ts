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

  it("members, quotas, tiers, tombstones and lineage read the same through either server", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    expect((await call(a, "ann", "POST", "/api/v1/projects/shared/members", { user: "bob", role: "publisher" })).status).toBe(200);
    expect((await publish(b, "bob", "data", Buffer.from("bob's"))).body["version"]).toBe(9);
    expect((await call(b, "bob", "GET", "/api/v1/projects")).body["projects"]).toEqual([{ name: "shared", role: "publisher" }]);
    expect((await call(b, "bob", "DELETE", "/api/v1/projects/shared/members/ann")).status).toBe(403);
    expect((await call(b, "ann", "DELETE", "/api/v1/projects/shared/members/ann")).status).toBe(409); // the last owner

    const admin = await a.store.tokens.create("root", "admin", Date.now());
    tok["root"] = admin;
    const used = (await call(a, "ann", "GET", "/api/v1/projects/shared")).body["usedBytes"] as number;
    expect((await call(b, "root", "PUT", "/api/v1/projects/shared/quota", { maxBytes: used + 3 })).body).toMatchObject({ usedBytes: used });
    expect((await publish(a, "ann", "big", Buffer.from("four"))).status).toBe(413);
    expect((await publish(a, "ann", "small", Buffer.from("3b!"))).status).toBe(201);

    const child = await publish(b, "ann", "child", Buffer.from("c"), {});
    expect(child.status).toBe(413); // quota full: nothing more, not even one byte
    await call(a, "root", "PUT", "/api/v1/projects/shared/quota", { maxBytes: 1e9 });
    const v1 = (await call(a, "ann", "GET", "/api/v1/artifacts/shared/data/1")).body as { id: string };
    const made = await publish(b, "ann", "child", Buffer.from("c"), { parents: [v1.id] });
    expect(made.status).toBe(201);
    expect((await call(a, "ann", "DELETE", "/api/v1/artifacts/shared/data/1")).status).toBe(200);
    const lineage = (await call(b, "ann", "GET", "/api/v1/artifacts/shared/child/latest")).body["lineage"];
    expect(lineage).toEqual({ parents: [{ id: v1.id, project: "shared", name: "data", version: 1, deleted: true }] });

    const tiered = (await call(b, "root", "POST", "/api/v1/artifacts/tiering", { hotVersions: 1, coldAfterDays: 30 })).body[
      "moved"
    ] as unknown[];
    expect(tiered.length).toBe(8); // data versions 2..8 (1 is deleted, 9 stays hot) and sent:1
    const listed = (await call(a, "ann", "GET", "/api/v1/artifacts?name=data")).body["artifacts"] as { version: number; tier: string }[];
    expect(listed.map((x) => `${x.version}:${x.tier}`)).toEqual([
      "2:warm",
      "3:warm",
      "4:warm",
      "5:warm",
      "6:warm",
      "7:warm",
      "8:warm",
      "9:hot",
    ]);
  });
});
