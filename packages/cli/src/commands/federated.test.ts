import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { FEDERATED_DEFAULTS, decodeMessage, encodeGlobal, initialModel } from "@aidc/workloads";
import { fixture } from "../../../../test/support/data.js";
import { runCli } from "../run-cli.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-cli-fed-"));
let server: RunningServer;
const tokens: Record<string, string> = {};
const as = (who: string, ...argv: string[]) => runCli([...argv, "--url", server.url, "--token", tokens[who] ?? ""]);

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: join(dir, "data"),
    logLevel: "silent",
    metricsIntervalS: 0,
    tickMs: 200,
  });
  tokens["admin"] = readFileSync(server.adminTokenFile, "utf8").trim();
  tokens["alice"] = (await as("admin", "token", "create", "--user", "alice", "--role", "user")).out.trim();
}, 60_000);
afterAll(async () => server.close());

describe("aidc federated", () => {
  it("site: one update step writes a sparse update message and a report, nothing else", async () => {
    const hyper = { ...FEDERATED_DEFAULTS, bits: 12, nbScaling: false, minDf: 0 };
    const config = join(dir, "federated.json");
    writeFileSync(config, JSON.stringify({ mode: "update", run: "fr-000000000000", round: 1, site: 3, hyper, weight: 0.5, limit: 300 }));
    writeFileSync(join(dir, "global.bin"), encodeGlobal(initialModel(hyper)));
    const out = mkdtempSync(join(dir, "out-"));
    const r = await runCli([
      "federated",
      "site",
      "--config",
      config,
      "--data",
      fixture("imdb/train.jsonl.gz"),
      "--global",
      join(dir, "global.bin"),
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "federated-report.json"), "utf8")) as { site: number; rows: number; bytes: number };
    expect(report).toMatchObject({ site: 3, rows: 300 });
    const message = decodeMessage(new Uint8Array(readFileSync(join(out, "federated-update.bin"))));
    expect([message.kind, message.site, message.round, message.dim]).toEqual(["sparse", 3, 1, 2 ** 12 + 1]);
    expect(readFileSync(join(out, "federated-update.bin")).length).toBe(report.bytes);
    // an update step without the global model is refused, and a bad config names the field
    const noGlobal = await runCli([
      "federated",
      "site",
      "--config",
      config,
      "--data",
      fixture("imdb/train.jsonl.gz"),
      "--global",
      join(dir, "missing.bin"),
      "--out",
      out,
    ]);
    expect(noGlobal.code).not.toBe(0);
    expect(noGlobal.err).toMatch(/global model/);
    writeFileSync(config, JSON.stringify({ mode: "update", run: "x", round: 1, site: 0, hyper }));
    const bad = await runCli(["federated", "site", "--config", config, "--data", fixture("imdb/train.jsonl.gz"), "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/weight/);
  });

  it("start, list and show a run against a server", async () => {
    const rows = gunzipSync(readFileSync(fixture("imdb/train.jsonl.gz")))
      .toString("utf8")
      .trim()
      .split("\n")
      .slice(0, 400);
    for (const k of [0, 1]) {
      const f = join(dir, `shard-${k}.jsonl`);
      writeFileSync(f, rows.filter((_, i) => i % 2 === k).join("\n") + "\n");
      expect((await as("alice", "artifacts", "push", f, `alice/shard-${k}`, "--kind", "dataset")).code).toBe(0);
    }
    const spec = join(dir, "run.yaml");
    writeFileSync(spec, "name: cli-fed\nsites:\n  - dataset: alice/shard-0\n  - dataset: alice/shard-1\nrounds: 1\nhyper:\n  bits: 12\n");
    const started = await as("alice", "federated", "start", spec, "--json");
    expect(started.code).toBe(0);
    const id = (JSON.parse(started.out) as { id: string }).id;
    let run: { status: string; history: unknown[] } = { status: "running", history: [] };
    for (let i = 0; i < 600 && run.status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = JSON.parse((await as("alice", "federated", "show", id, "--json")).out) as typeof run;
    }
    expect(run.status).toBe("succeeded");
    expect(run.history).toHaveLength(1);
    const shown = await as("alice", "federated", "show", id);
    expect(shown.out).toContain("succeeded");
    expect(shown.out).toMatch(/ROUND\s+SITES/);
    const listed = await as("alice", "federated", "list");
    expect(listed.out).toContain(id);
    // a bad run file names the field
    writeFileSync(spec, "name: x\nsites: []\n");
    const bad = await as("alice", "federated", "start", spec);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("sites");
  }, 180_000);
});
