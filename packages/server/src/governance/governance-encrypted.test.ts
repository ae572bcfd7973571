import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "../main.js";
import { client, sha } from "./http.testing.js";

// Governance on a store with encryption at rest: the scans and the job inputs read plaintext through the
// decrypting read path, and retention removes a deleted version's data key with its bytes.
const dataDir = mkdtempSync(join(tmpdir(), "aidc-gov-enc-"));
const keyFile = join(dataDir, "..", `master-${randomBytes(4).toString("hex")}.key`);
let server: RunningServer;
const tok: Record<string, string> = {};
const { call, publish } = client(() => server.url, tok);

/** Every file under the blob store (ciphertext only when encryption works). */
function blobFiles(): Buffer[] {
  const root = join(dataDir, "blobs", "sha256");
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => readFileSync(join(root, d, f))));
}

beforeAll(async () => {
  writeFileSync(keyFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir, logLevel: "silent", metricsIntervalS: 0, masterKeyFiles: [keyFile] });
  tok["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  tok["ann"] = await server.store.tokens.create("ann", "user", Date.now());
});
afterAll(async () => server.close());

describe("governance on an encrypted artifact store", () => {
  it("scans and redacts an encrypted dataset (the redacted copy is encrypted too) and retention drops the old version's data key", async () => {
    const text = '{"text":"reach me at x.y@example.net","label":1}\n{"text":"plain review","label":0}\n';
    const v1 = await publish("ann", "nlp", "mail", Buffer.from(text));
    expect(v1.status).toBe(201);
    const v1sha = v1.body["sha256"] as string;
    expect(await server.store.dataKeys.get(v1sha)).toBeDefined();
    const scan = await call("ann", "POST", "/api/v1/artifacts/nlp/mail/1/pii-scan", { redact: true });
    expect(scan.status).toBe(200);
    expect(scan.body["report"]).toMatchObject({ counts: { email: 1 }, redacted: { version: 2 } });
    const v2 = (await call("ann", "GET", "/api/v1/artifacts/nlp/mail/2")).body;
    expect(await server.store.dataKeys.get(v2["sha256"] as string)).toBeDefined();
    const plain = (await call("ann", "GET", "/api/v1/artifacts/nlp/mail/2/content")).bytes.toString("utf8");
    expect(plain).toBe('{"text":"reach me at [EMAIL]","label":1}\n{"text":"plain review","label":0}\n');
    // no blob file holds the address or the review in clear
    for (const f of blobFiles()) {
      expect(f.includes(Buffer.from("x.y@example.net"))).toBe(false);
      expect(f.includes(Buffer.from("plain review"))).toBe(false);
    }
    expect((await call("ann", "PUT", "/api/v1/projects/nlp/retention", { keepVersions: 1 })).status).toBe(200);
    const applied = await call("ann", "POST", "/api/v1/projects/nlp/retention/apply", {});
    expect(applied.body["deleted"]).toMatchObject([{ version: 1, blobRemoved: true }]);
    expect(await server.store.dataKeys.get(v1sha)).toBeUndefined();
    expect(existsSync(join(dataDir, "blobs", "sha256", v1sha.slice(0, 2), `${v1sha}.enc`))).toBe(false);
    expect(sha(Buffer.from(text))).toBe(v1sha);
  });
});
