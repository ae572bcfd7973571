import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAlertRules, toPrometheusRulesYaml } from "@aidc/observability";
import { startServer, type RunningServer } from "@aidc/server";

// Real Prometheus (Debian package `prometheus`): promtool lints aidc's /metrics and exported rules,
// and a short-lived Prometheus server scrapes aidc and answers PromQL. Skipped only outside CI when not installed.
const PROMTOOL = process.env["PROMTOOL"] ?? "/usr/bin/promtool";
const PROMETHEUS = process.env["PROMETHEUS"] ?? "/usr/bin/prometheus";
const installed = existsSync(PROMTOOL) && existsSync(PROMETHEUS);
const mustRun = process.env["CI"] === "true";
const repo = new URL("../../", import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

if (!installed && !mustRun) {
  describe.skip(`Prometheus integration (skipped: ${PROMTOOL} or ${PROMETHEUS} not installed and CI is not set)`, () => {
    it("needs the Debian prometheus package", () => undefined);
  });
} else {
  describe("aidc with a real Prometheus", () => {
    let dir: string;
    let server: RunningServer;
    let prom: ChildProcess | undefined;
    let promLog = "";

    beforeAll(async () => {
      expect(existsSync(PROMTOOL), `${PROMTOOL} is missing (apt-get install prometheus)`).toBe(true);
      dir = mkdtempSync(join(tmpdir(), "aidc-prom-"));
      server = await startServer({ host: "127.0.0.1", port: 0, dataDir: join(dir, "data"), logLevel: "silent", metricsIntervalS: 1 });
    });

    afterAll(async () => {
      if (prom !== undefined && prom.exitCode === null) {
        prom.kill("SIGTERM");
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            prom?.kill("SIGKILL");
            r();
          }, 5000);
          prom?.once("exit", () => {
            clearTimeout(t);
            r();
          });
        });
      }
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("promtool check metrics accepts /metrics once the agent has sampled", async () => {
      const text = await until(
        "agent series",
        async () => {
          const token = readFileSync(server.adminTokenFile, "utf8").trim();
          const t = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
          return t.includes("aidc_node_cpu_utilization_ratio{") ? t : undefined;
        },
        15_000,
      );
      const r = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
    });

    it("a Prometheus server scrapes aidc and answers a PromQL query for aidc_* series", async () => {
      const port = await freePort();
      const target = new URL(server.url).host;
      // aidc rules exported for Prometheus: one that must fire on this host's series, and the node-health example
      const firing = parseAlertRules(
        'apiVersion: aidc/v1\nkind: AlertRules\nname: t\ngroups: [{ name: t, interval: 1s, rules: [{ alert: MemoryInUse, metric: aidc_node_memory_used_bytes, threshold: { op: ">", value: 0 }, severity: info }] }]\n',
      );
      const health = parseAlertRules(readFileSync(join(repo, "examples/alerts/node-health.yaml"), "utf8"));
      if (firing.rules === undefined || health.rules === undefined) throw new Error("test rules do not parse");
      writeFileSync(join(dir, "firing.rules.yml"), toPrometheusRulesYaml(firing.rules));
      writeFileSync(join(dir, "health.rules.yml"), toPrometheusRulesYaml(health.rules));
      writeFileSync(
        join(dir, "prometheus.yml"),
        `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: ["${join(dir, "firing.rules.yml")}", "${join(dir, "health.rules.yml")}"]\n` +
          `scrape_configs:\n  - job_name: aidc\n    authorization:\n      credentials_file: "${server.adminTokenFile}"\n    static_configs:\n      - targets: ["${target}"]\n`,
      );
      prom = spawn(
        PROMETHEUS,
        [
          `--config.file=${join(dir, "prometheus.yml")}`,
          `--storage.tsdb.path=${join(dir, "tsdb")}`,
          `--web.listen-address=127.0.0.1:${port}`,
          "--storage.tsdb.retention.time=1h",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      prom.stdout?.on("data", (d: Buffer) => (promLog += d.toString()));
      prom.stderr?.on("data", (d: Buffer) => (promLog = (promLog + d.toString()).slice(-20_000)));
      const base = `http://127.0.0.1:${port}`;
      await until("prometheus ready", async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined), 30_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${promLog.slice(-3000)}`);
      });
      const result = await until(
        "a scraped aidc_node_memory_used_bytes sample",
        async () => {
          const body = (await (
            await fetch(`${base}/api/v1/query?query=${encodeURIComponent('aidc_node_memory_used_bytes{job="aidc"}')}`)
          ).json()) as {
            status: string;
            data: { result: { metric: Record<string, string>; value: [number, string] }[] };
          };
          return body.status === "success" && body.data.result.length > 0 ? body.data.result : undefined;
        },
        30_000,
      );
      expect(Number(result[0]?.value[1])).toBeGreaterThan(0);
      expect(result[0]?.metric["node"]).toBeTruthy();
      // a rate over the scraped counters works too (two scrapes at least)
      const rate = await until(
        "rate(aidc_node_network_receive_bytes_total)",
        async () => {
          const q = encodeURIComponent("sum(rate(aidc_node_network_receive_bytes_total[10s]))");
          const body = (await (await fetch(`${base}/api/v1/query?query=${q}`)).json()) as {
            data: { result: { value: [number, string] }[] };
          };
          return body.data.result.length > 0 ? Number(body.data.result[0]?.value[1]) : undefined;
        },
        20_000,
      );
      expect(rate).toBeGreaterThanOrEqual(0);
      // Prometheus evaluates aidc's exported rules on the scraped series
      const alerts = await until(
        "the exported MemoryInUse rule firing in Prometheus",
        async () => {
          const body = (await (await fetch(`${base}/api/v1/alerts`)).json()) as {
            data: { alerts: { labels: Record<string, string>; state: string }[] };
          };
          const a = body.data.alerts.filter((x) => x.labels["alertname"] === "MemoryInUse" && x.state === "firing");
          return a.length > 0 ? a : undefined;
        },
        20_000,
      );
      expect(alerts[0]?.labels["severity"]).toBe("info");
      const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const loaded = rules.data.groups.flatMap((g) => g.rules);
      expect(loaded.map((r) => r.name).sort()).toEqual([
        "FilesystemAlmostFull",
        "GpuEccErrors",
        "GpuTooHot",
        "MemoryInUse",
        "NodeCpuAnomalous",
      ]);
      expect(loaded.filter((r) => r.health === "err")).toEqual([]);
      // the anomaly rule's exported expression reads the score series aidc publishes
      const q = encodeURIComponent('aidc_anomaly_score{alertname="NodeCpuAnomalous",detector="ensemble"}');
      const score = (await (await fetch(`${base}/api/v1/query?query=${q}`)).json()) as { data: { result: { value: [number, string] }[] } };
      expect(score.data.result.length).toBeGreaterThan(0);
    });

    it("promtool check rules accepts `aidc alerts export examples/alerts/node-health.yaml`", () => {
      const exported = spawnSync(join(repo, "bin/aidc"), ["alerts", "export", join(repo, "examples/alerts/node-health.yaml")], {
        encoding: "utf8",
      });
      expect(exported.stderr).toBe("");
      expect(exported.status).toBe(0);
      const file = join(dir, "rules.yml");
      writeFileSync(file, exported.stdout);
      const r = spawnSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8" });
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/SUCCESS: 4 rules found/);
      expect(r.status).toBe(0);
    });
  });
}
