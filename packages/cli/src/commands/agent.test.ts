import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "@aidc/server";
import { haveOpenssl, issue, makeCa } from "../../../../test/support/pki.js";
import { runCli } from "../run-cli.testing.js";

const run = (...argv: string[]) => runCli(argv);

describe("aidc agent", () => {
  it("--json prints one sample a line, the format alerts replay reads", async () => {
    const r = await run("agent", "--interval", "0.1", "--count", "2", "--node", "n7", "--json");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    const samples = lines.map((l) => JSON.parse(l) as { timeMs: number; metric: string; labels: Record<string, string>; value: number });
    for (const s of samples) expect(Object.keys(s)).toEqual(["timeMs", "metric", "labels", "value"]);
    const cpu = samples.filter((s) => s.metric === "aidc_node_cpu_utilization_ratio");
    expect(cpu).toHaveLength(2); // one per round
    expect(cpu[0]?.labels).toEqual({ node: "n7" });
    expect(samples.find((s) => s.metric === "aidc_node_memory_total_bytes")?.value).toBeGreaterThan(0);
    // what the agent wrote replays as it is
    const dir = mkdtempSync(join(tmpdir(), "aidc-agent-cli-"));
    const file = join(dir, "recorded.jsonl");
    writeFileSync(file, r.out);
    const rules = join(dir, "rules.yaml");
    writeFileSync(
      rules,
      "apiVersion: aidc/v1\nkind: AlertRules\nname: r\ngroups:\n  - name: g\n    interval: 30s\n    rules:\n      - alert: HasMemory\n        metric: aidc_node_memory_total_bytes\n        threshold: { op: '>', value: 0 }\n        severity: info\n",
    );
    const replay = await run("alerts", "replay", rules, "--samples", file, "--json");
    expect(replay.code).toBe(0);
    expect((JSON.parse(replay.out) as { notifications: { kind: string; alert: string }[] }).notifications[0]).toMatchObject({
      kind: "firing",
      alert: "HasMemory",
    });
    rmSync(dir, { recursive: true, force: true });
  });

  it("--push to a closed port says the server cannot be reached and why", async () => {
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((done) => probe.close(done));
    const url = `http://127.0.0.1:${port}`;
    const r = await run("agent", "--interval", "0.1", "--count", "1", "--push", url, "--token", "t");
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`cannot reach ${url}: connection refused`);
    expect(r.err).not.toContain("fetch failed");
  });

  it("rejects a bad interval as bad input", async () => {
    const r = await run("agent", "--interval", "-1");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--interval");
  });

  it("pushes samples to a server, which stores them under the agent's node name", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-agent-cli-"));
    const server = await startServer({ host: "127.0.0.1", port: 0, dataDir: dir, logLevel: "silent", metricsIntervalS: 3600 });
    try {
      const token = readFileSync(server.adminTokenFile, "utf8").trim();
      const r = await run("agent", "--interval", "0.1", "--count", "1", "--node", "remote-1", "--push", server.url, "--token", token);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const body = (await (
        await fetch(`${server.url}/api/v1/metrics/series?name=aidc_node_memory_used_bytes&match=node=remote-1`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as {
        series: { points: [number, number][] }[];
      };
      expect(body.series[0]?.points.length).toBe(1);
      const bad = await run("agent", "--interval", "0.1", "--count", "1", "--push", server.url, "--token", "wrong");
      expect(bad.code).toBe(1);
      expect(bad.err).toContain("HTTP 401");
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("mutual TLS: pushes only with a client certificate signed by the server's --tls-client-ca", async (ctx) => {
    if (!haveOpenssl) ctx.skip("openssl is not installed (apt-get install openssl)");
    const dir = mkdtempSync(join(tmpdir(), "aidc-agent-mtls-"));
    const serverCa = makeCa(dir, "server-ca");
    const agentCa = makeCa(dir, "agent-ca");
    const enrolled = issue(dir, agentCa, "node-7", { client: true });
    const stranger = issue(dir, serverCa, "stranger", { client: true });
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: join(dir, "data"),
      logLevel: "silent",
      metricsIntervalS: 3600,
      executor: "sim",
      tls: { ...issue(dir, serverCa, "server"), clientCaFile: agentCa.certFile },
    });
    const push = (...extra: string[]) =>
      run(
        "--ca",
        serverCa.certFile,
        "agent",
        "--interval",
        "0.1",
        "--count",
        "1",
        "--node",
        "node-7",
        "--push",
        server.url,
        "--token",
        token,
        ...extra,
      );
    let token = "";
    try {
      token = readFileSync(server.adminTokenFile, "utf8").trim();
      const without = await push();
      expect(without.code).toBe(1);
      expect(without.err).toContain("HTTP 403 CLIENT_CERTIFICATE_REQUIRED");
      expect(without.err).toContain("no client certificate was presented");
      const wrong = await push("--tls-cert", stranger.certFile, "--tls-key", stranger.keyFile);
      expect(wrong.code).toBe(1);
      expect(wrong.err).toContain("CN=stranger");
      const plain = await run(
        "agent",
        "--count",
        "1",
        "--push",
        server.url.replace("https:", "http:"),
        "--tls-cert",
        enrolled.certFile,
        "--tls-key",
        enrolled.keyFile,
      );
      expect(plain.code).toBe(2);
      expect(plain.err).toContain("a client certificate is presented only over TLS");
      const half = await push("--tls-cert", enrolled.certFile);
      expect(half.code).toBe(2);
      expect(half.err).toContain("--tls-cert needs --tls-key");
      const ok = await push("--tls-cert", enrolled.certFile, "--tls-key", enrolled.keyFile);
      expect(ok.err).toBe("");
      expect(ok.code).toBe(0);
      // the enrolled agent's samples are stored under its node name
      const series = await new Promise<string>((resolve, reject) => {
        const url = `${server.url}/api/v1/metrics/series?name=aidc_node_memory_used_bytes&match=node=node-7`;
        https
          .get(url, { ca: readFileSync(serverCa.certFile), headers: { authorization: `Bearer ${token}` } }, (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve(body));
          })
          .on("error", reject);
      });
      expect((JSON.parse(series) as { series: { points: unknown[] }[] }).series[0]?.points.length).toBe(1);
      // the certificate speaks for node-7 only
      // (a repeated --node: commander keeps the last one)
      const other = await push("--node", "node-8", "--tls-cert", enrolled.certFile, "--tls-key", enrolled.keyFile);
      expect(other.code).toBe(1);
      expect(other.err).toContain("HTTP 403 FORBIDDEN: the client certificate speaks for node node-7");
      // an agent that does not trust the server's certificate refuses it before sending the token
      const untrusted = await run("agent", "--interval", "0.1", "--count", "1", "--push", server.url, "--token", token);
      expect(untrusted.code).toBe(1);
      expect(untrusted.err).toContain(`SHA-256 fingerprint ${server.tls?.fingerprint256 ?? "?"}`);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
