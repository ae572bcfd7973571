import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
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
      raw.writeUInt8(raw.readUInt8(raw.length - 1) ^ 1, raw.length - 1);
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

/** Start `aidc serve`, stop it once it prints its URL; everything it printed and its exit code. */
function serveOnce(dataDir: string, extra: string[], env: NodeJS.ProcessEnv): Promise<{ printed: string; code: number | null }> {
  const args = [join(repo, "packages/cli/dist/bin.js"), "serve", "--port", "0", "--data-dir", dataDir, "--isolation", "none", ...extra];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
  let printed = "";
  child.stdout.on("data", (d: Buffer) => {
    printed += d.toString();
    if (/^https?:\/\/\S+\n/m.test(printed)) child.kill("SIGTERM");
  });
  child.stderr.on("data", (d: Buffer) => (printed += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ printed, code })));
}

describe("aidc serve --master-key-file", () => {
  it("takes the key from AIDC_MASTER_KEY_FILE and says encryption is on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-mk-"));
    writeFileSync(join(dir, "k"), randomBytes(32), { mode: 0o600 });
    const r = await serveOnce(join(dir, "data"), [], { ...process.env, AIDC_MASTER_KEY_FILE: join(dir, "k") });
    expect(r.printed).toMatch(/encryption at rest: new blobs are encrypted \(master key from AIDC_MASTER_KEY_FILE\)/);
  }, 60_000);

  it("refuses a key file others can read or a short one with exit 2, naming the flag, before the store is created", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-mk-"));
    writeFileSync(join(dir, "open"), randomBytes(32).toString("hex"), { mode: 0o644 });
    writeFileSync(join(dir, "short"), "0123", { mode: 0o600 });
    const open = await serveOnce(join(dir, "data"), ["--master-key-file", join(dir, "open")], process.env);
    expect(open.code).toBe(2);
    expect(open.printed).toMatch(/--master-key-file: its mode is 644; run chmod 600 on it/);
    const short = await serveOnce(join(dir, "data"), ["--master-key-file", join(dir, "short")], process.env);
    expect(short.code).toBe(2);
    expect(short.printed).toMatch(/--master-key-file: expected 32 raw bytes, 64 hex digits or base64 of 32 bytes/);
    expect(existsSync(join(dir, "data", "aidc.db"))).toBe(false);
  }, 60_000);
});
