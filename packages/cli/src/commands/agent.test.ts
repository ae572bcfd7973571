import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

const run = (...argv: string[]) => runCli(argv);

describe("aidc agent", () => {
  it("prints one JSON document per sample, with CPU utilisation from the first one shown", async () => {
    const r = await run("agent", "--interval", "0.1", "--count", "2", "--node", "n7", "--json");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const doc = JSON.parse(line) as { samples: { metric: string; labels: Record<string, string>; value: number }[]; errors: string[] };
      const cpu = doc.samples.find((s) => s.metric === "aidc_node_cpu_utilization_ratio");
      expect(cpu?.labels).toEqual({ node: "n7" });
      expect(doc.samples.find((s) => s.metric === "aidc_node_memory_total_bytes")?.value).toBeGreaterThan(0);
    }
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
});
