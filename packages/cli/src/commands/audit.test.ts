import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";
import { parseSince } from "./audit.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-cli-audit-"));
let server: RunningServer;
const tokens: Record<string, string> = {};
const as = (who: string, ...argv: string[]) => runCli([...argv, "--url", server.url, "--token", tokens[who] ?? ""]);

beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, dataDir: join(dir, "data"), logLevel: "silent", metricsIntervalS: 0 });
  tokens["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  for (const user of ["alice", "bob"]) tokens[user] = (await as("admin", "token", "create", "--user", user, "--role", "user")).out.trim();
});
afterAll(async () => server.close());

describe("aidc audit and aidc governance", () => {
  it("parses --since as a duration, epoch ms or ISO time, and names the flag when it is bad", () => {
    expect(parseSince("2h", 10_000_000)).toBe(10_000_000 - 7_200_000);
    expect(parseSince("1700000000000")).toBe(1_700_000_000_000);
    expect(parseSince("2026-12-01T00:00:00Z")).toBe(Date.parse("2026-12-01T00:00:00Z"));
    expect(() => parseSince("last week")).toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path: "--since" })] }));
  });

  it("shows downloads and denied attempts, filters, and verifies the chain", async () => {
    const file = join(dir, "reviews.jsonl");
    writeFileSync(file, '{"text":"mail me: a.b@example.com","label":1}\n{"text":"fine film","label":0}\n');
    expect((await as("alice", "artifacts", "push", file, "alice/reviews", "--kind", "dataset")).code).toBe(0);
    expect((await as("alice", "artifacts", "pull", "alice/reviews", "-o", join(dir, "out.jsonl"))).code).toBe(0);
    expect((await as("bob", "artifacts", "pull", "alice/reviews", "-o", join(dir, "bob.jsonl"))).code).toBe(2); // 404 to an outsider
    const all = await as("alice", "audit", "--json");
    expect(all.code).toBe(0);
    const entries = (JSON.parse(all.out) as { entries: { actor: string; outcome: string; action: string }[] }).entries;
    expect(entries.map((e) => [e.actor, e.action, e.outcome])).toEqual([
      ["bob", "dataset.read", "denied"],
      ["alice", "dataset.read", "allowed"],
    ]);
    const table = await as("alice", "audit", "--outcome", "denied", "--since", "1h");
    expect(table.out).toMatch(/bob\s+dataset\.read\s+denied\s+alice\/reviews:latest/);
    expect(table.out).not.toMatch(/allowed/);
    expect((await as("bob", "audit", "--project", "alice")).code).toBe(1); // 403: not an owner
    expect((await as("alice", "audit", "--since", "someday")).code).toBe(2);
    const v = await as("admin", "audit", "verify");
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/ok: \d+ entries, chain intact/);
    expect((await as("alice", "audit", "verify")).code).toBe(1); // admins only
  });

  it("sets the dataset:read role, a retention rule, and scans for personal data", async () => {
    const perm = await as("alice", "governance", "permissions", "alice", "--set", "dataset:read=owner", "--json");
    expect(JSON.parse(perm.out)).toMatchObject({ permissions: [{ permission: "dataset:read", minRole: "owner", isDefault: false }] });
    expect((await as("alice", "governance", "permissions", "alice", "--set", "read")).code).toBe(2);
    const ret = await as("alice", "governance", "retention", "alice", "--keep", "3");
    expect(ret.code).toBe(0);
    expect(ret.out).toContain("keep the newest 3");
    expect((await as("alice", "governance", "retention", "alice", "--keep", "-1")).code).toBe(2);
    const scan = await as("alice", "governance", "pii-scan", "alice/reviews:1", "--redact");
    expect(scan.code).toBe(0);
    expect(scan.out).toContain("2 lines, 1 with personal data (1 email, 0 card, 0 phone)");
    expect(scan.out).toContain("a***@example.com");
    expect(scan.out).toContain("redacted copy: alice/reviews:2");
    expect(scan.out).not.toContain("a.b@example.com");
    // at upload time: aidc artifacts push --pii-scan
    const card = join(dir, "cards.csv");
    writeFileSync(card, "name,card\nann,4111 1111 1111 1111\nben,none\n");
    const pushed = await as("alice", "artifacts", "push", card, "alice/cards", "--kind", "dataset", "--pii-scan", "redact");
    expect(pushed.code).toBe(0);
    expect(pushed.out).toContain("pii scan: 1 of 3 lines with personal data (0 email, 1 card, 0 phone)");
    expect(pushed.out).toContain("redacted copy: alice/cards:2");
    expect((await as("alice", "artifacts", "push", card, "alice/cards", "--pii-scan", "report")).code).toBe(2); // not a dataset
    const dry = await as("alice", "governance", "retention", "alice", "--apply", "--dry-run", "--json");
    expect(JSON.parse(dry.out)).toMatchObject({ dryRun: true, deleted: [] });
  });
});
