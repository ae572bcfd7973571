import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { main } from "../main.js";
import type { Io } from "../output.js";
import { runCli } from "../run-cli.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-cli-artifacts-"));
let server: RunningServer;
const tokens: Record<string, string> = {};
const as = (who: string, ...argv: string[]) => runCli([...argv, "--url", server.url, "--token", tokens[who] ?? ""]);

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir: join(dir, "data"), logLevel: "silent", metricsIntervalS: 0 });
  tokens["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  for (const user of ["alice", "bob"]) tokens[user] = (await as("admin", "token", "create", "--user", user, "--role", "user")).out.trim();
});
afterAll(async () => server.close());

describe("aidc artifacts delete, projects, models", () => {
  it("deletes a version and latest moves back; another user cannot delete until granted", async () => {
    const file = join(dir, "d.bin");
    for (const fill of [1, 2]) {
      writeFileSync(file, Buffer.alloc(1000, fill));
      expect((await as("alice", "artifacts", "push", file, "alice/ds")).code).toBe(0);
    }
    const bob = await as("bob", "artifacts", "delete", "alice/ds:2");
    expect(bob.code).toBe(2); // 404: bob cannot see alice's project
    expect((await as("alice", "artifacts", "delete", "alice/ds")).code).toBe(2); // a version is required
    const del = await as("alice", "artifacts", "delete", "alice/ds:2", "--json");
    expect(del.code).toBe(0);
    expect(JSON.parse(del.out)).toMatchObject({ version: 2, deletedBy: "alice" });
    const ls = JSON.parse((await as("alice", "artifacts", "ls", "--json")).out) as { version: number }[];
    expect(ls.map((a) => a.version)).toEqual([1]);

    expect((await as("alice", "projects", "grant", "alice", "bob", "reader")).code).toBe(0);
    const show = JSON.parse((await as("bob", "projects", "show", "alice", "--json")).out) as { members: { user: string; role: string }[] };
    expect(show.members).toContainEqual(expect.objectContaining({ user: "bob", role: "reader" }));
    const denied = await as("bob", "artifacts", "delete", "alice/ds:1");
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/403.*needs the publisher role/);
  });

  it("models list shows nothing served yet and promote refuses what is not a model package", async () => {
    expect(JSON.parse((await as("alice", "models", "list", "--json")).out)).toEqual([]);
    const r = await as("alice", "models", "promote", "m", "alice/ds:1");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a model package/);
  });
});

describe("aidc artifacts push/pull progress", () => {
  /** Run with stderr as a terminal: progress is drawn there, stdout stays clean. */
  async function onTerminal(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const io: Io = { out: (t) => (out += t), err: (t) => (err += t), tty: false, errTty: true };
    const code = await main([...argv, "--url", server.url, "--token", tokens["alice"] ?? ""], io);
    return { code, out, err };
  }

  it("draws a byte progress bar on a terminal for uploads and downloads, and none with --json", async () => {
    const file = join(dir, "big.bin");
    const data = Buffer.alloc(9_000_000, 7); // two upload chunks
    writeFileSync(file, data);
    const push = await onTerminal("artifacts", "push", file, "alice/big");
    expect(push.code).toBe(0);
    expect(push.out).toMatch(/^alice\/big:1\t[0-9a-f]{64}\n$/);
    expect(push.err).toContain("push alice/big [");
    expect(push.err).toMatch(/100% 9 MB\/9 MB.*\n$/);

    const back = join(dir, "big.out");
    const pull = await onTerminal("artifacts", "pull", "alice/big", "--out", back);
    expect(pull.code).toBe(0);
    expect(pull.err).toMatch(/pull alice\/big \[#+\] 100% 9 MB\/9 MB/);
    expect(readFileSync(back).equals(data)).toBe(true);

    const quiet = await onTerminal("artifacts", "push", file, "alice/big", "--json");
    expect(quiet.code).toBe(0);
    expect(quiet.err).toBe("");
    expect(JSON.parse(quiet.out)).toMatchObject({ version: 2 });
  });
});
