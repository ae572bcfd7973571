import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));

// Sensitive settings never reach the server's log: run `aidc serve` at trace level with a webhook
// URL that carries secrets and a master key, make it work (tokens good and bad, an upload, a failing
// download, a console link with a token in its query), and search everything it printed.
describe("aidc serve logs", () => {
  it("never contain tokens, webhook secrets, the master key or secret query strings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-secrets-"));
    const dataDir = join(dir, "data");
    const masterHex = randomBytes(32).toString("hex");
    writeFileSync(join(dir, "master.key"), masterHex, { mode: 0o600 });
    const webhook = "https://hooks.example.invalid/services/T0HOOKSECRET/B0HOOKSECRET?token=HOOKQUERYSECRET";
    const args = [
      join(repo, "packages/cli/dist/bin.js"),
      "serve",
      ...["--port", "0", "--data-dir", dataDir, "--isolation", "none", "--log-level", "trace", "--log-format", "json"],
      ...["--alert-webhook", webhook, "--master-key-file", join(dir, "master.key")],
    ];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let printed = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        printed += d.toString();
        const m = /^(https?:\/\/\S+)$/m.exec(printed);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.stderr.on("data", (d: Buffer) => (printed += d.toString()));
      child.once("exit", () => reject(new Error(`serve exited: ${printed}`)));
    });
    const closed = new Promise<void>((r) => child.once("close", () => r()));
    try {
      const admin = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
      const call = (path: string, o: { method?: string; body?: Buffer | string; headers?: Record<string, string>; token?: string } = {}) =>
        fetch(`${url}${path}`, {
          method: o.method ?? "GET",
          headers: { authorization: `Bearer ${o.token ?? admin}`, connection: "close", ...(o.headers ?? {}) },
          ...(o.body !== undefined ? { body: o.body } : {}),
        });
      expect((await call("/api/v1/jobs")).status).toBe(200);
      expect((await call("/api/v1/jobs", { token: "aidc_FORGEDTOKENSECRET0000000000000000" })).status).toBe(401);
      const bytes = Buffer.from("a dataset line\n".repeat(1000));
      const id = ((await (await call("/api/v1/uploads", { method: "POST" })).json()) as { id: string }).id;
      await call(`/api/v1/uploads/${id}`, {
        method: "PATCH",
        body: bytes,
        headers: { "upload-offset": "0", "content-type": "application/offset+octet-stream" },
      });
      const sha = createHash("sha256").update(bytes).digest("hex");
      const created = await call("/api/v1/artifacts", {
        method: "POST",
        body: JSON.stringify({ project: "admin", name: "d", kind: "other", uploadId: id, sha256: sha }),
        headers: { "content-type": "application/json" },
      });
      expect(created.status).toBe(201);
      // tamper with the stored blob: its download fails with a 500, which the server logs
      const shard = join(dataDir, "blobs", "sha256", sha.slice(0, 2));
      const file = join(shard, readdirSync(shard)[0] as string);
      const raw = readFileSync(file);
      raw[raw.length - 1] ^= 1;
      writeFileSync(file, raw);
      const failed = await call("/api/v1/artifacts/admin/d/1/content");
      expect(failed.status).toBe(500);
      // the console's login link carries a token in its query
      expect((await fetch(`${url}/?token=QUERYSECRET`, { headers: { connection: "close" } })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await closed;
    }
    const admin = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    expect(printed).toMatch(/request failed/); // the log was on, at trace level
    expect(printed).toMatch(/BLOB_TAMPERED/);
    for (const secret of [admin, "FORGEDTOKENSECRET", "HOOKSECRET", "HOOKQUERYSECRET", masterHex, "QUERYSECRET"]) {
      expect(printed, secret).not.toContain(secret);
    }
  }, 60_000);
});
