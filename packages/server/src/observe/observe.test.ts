import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAlertRules } from "@aidc/observability";
import { startServer, type RunningServer } from "../main.js";
import { DEFAULT_ALERT_RULES_YAML } from "./rules.js";

const repo = new URL("../../../../", import.meta.url).pathname;

const RULES = `apiVersion: aidc/v1
kind: AlertRules
name: test
groups:
  - name: health
    interval: 1s
    rules:
      - alert: GpuTooHot
        metric: aidc_gpu_temperature_celsius
        threshold: { op: ">", value: 85 }
        severity: critical
        labels: { action: cordon }
        annotations: { summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} at {{ $value }} C" }
      - alert: GpuEccDrain
        metric: aidc_gpu_ecc_errors_total
        threshold: { op: ">", value: 0 }
        severity: critical
        labels: { action: drain }
      - alert: MemoryAnomalous
        metric: aidc_node_memory_used_ratio
        anomaly: { detector: robustZ, minScore: 0.99 }
        severity: info
`;

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ApiAlert {
  id: string;
  alertname: string;
  state: string;
  labels: Record<string, string>;
  acknowledged?: { by: string };
}

describe("server observe loop: agent, series, /metrics and alerts", () => {
  let dir: string;
  let server: RunningServer;
  let token: string;
  let hook: Server;
  const hooked: { status: string; alerts: { labels: Record<string, string> }[] }[] = [];
  let node: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aidc-observe-"));
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        hooked.push(JSON.parse(body) as (typeof hooked)[number]);
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const addr = hook.address();
    const hookUrl = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}/hook`;
    writeFileSync(join(dir, "rules.yaml"), RULES);
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: dir,
      logLevel: "silent",
      metricsIntervalS: 0.2,
      alertsFile: join(dir, "rules.yaml"),
      alertWebhooks: [hookUrl],
    });
    token = readFileSync(server.adminTokenFile, "utf8").trim();
    const nodes = (await (await fetch(`${server.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      nodes: { name: string }[];
    };
    node = nodes.nodes[0]?.name ?? "";
  });

  afterAll(async () => {
    await server?.close();
    hook?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
    });

  it("exports host, cluster and anomaly-score series at /metrics with aidc_* names", async () => {
    const text = await until("agent series in /metrics", async () => {
      const t = await (await api(`/metrics`)).text();
      return /aidc_node_cpu_utilization_ratio\{/.test(t) && /aidc_anomaly_score\{/.test(t) ? t : undefined;
    });
    expect(text).toMatch(new RegExp(`aidc_node_memory_used_bytes\\{node="${node}"\\} \\d+`));
    expect(text).toMatch(/# TYPE aidc_node_network_receive_bytes_total counter/);
    expect(text).toMatch(/aidc_node_filesystem_used_ratio\{node="[^"]+",mountpoint="[^"]+"/);
    expect(text).toMatch(/aidc_jobs\{state="pending"\} 0/);
    expect(text).toMatch(/aidc_cluster_gpus_used 0/);
    expect(text).toMatch(/aidc_anomaly_score\{alertname="MemoryAnomalous",detector="robustZ",node="[^"]+"\} [\d.e-]+/);
  });

  it("answers range queries from the series store", async () => {
    const r = await until("stored points", async () => {
      const body = (await (await api(`/api/v1/metrics/series?name=aidc_node_memory_used_bytes&match=node=${node}`)).json()) as {
        resolutionMs: number;
        series: { labels: Record<string, string>; points: [number, number][] }[];
      };
      return (body.series[0]?.points.length ?? 0) >= 2 ? body : undefined;
    });
    expect(r.resolutionMs).toBe(0);
    expect(r.series).toHaveLength(1);
    expect(r.series[0]?.labels).toEqual({ node });
    const times = r.series[0]?.points.map((p) => p[0]) ?? [];
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const bad = await api(`/api/v1/metrics/series?name=x&from=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path).toBe("from");
  });

  it("reports CPU time and memory of a job the local executor runs, and counts it in aidc_jobs", async () => {
    const res = await api("/api/v1/jobs", {
      method: "POST",
      body: JSON.stringify({ apiVersion: "aidc/v1", kind: "Job", name: "busy", tasks: [{}], run: { command: "sleep 20" } }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const text = await until("job series", async () => {
      const t = await (await api(`/metrics`)).text();
      return t.includes(`aidc_job_memory_rss_bytes{node="${node}",job="${id}"`) && /aidc_jobs\{state="running"\} 1/.test(t) ? t : undefined;
    });
    const rss = new RegExp(`aidc_job_memory_rss_bytes\\{node="${node}",job="${id}",run="[^"]+"\\} (\\d+)`).exec(text);
    expect(Number(rss?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`aidc_job_processes\\{node="${node}",job="${id}",run="[^"]+"\\} [1-9]`));
    expect((await api(`/api/v1/jobs/${id}`, { method: "DELETE" })).status).toBe(200);
  });

  it("rejects pushed samples outside the catalogue, with their index", async () => {
    const res = await api("/api/v1/metrics/samples", {
      method: "POST",
      body: JSON.stringify({ samples: [{ metric: "aidc_gpu_temperature_celsius", labels: { node }, value: 1 }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { issues: { path: string; message: string }[] } };
    expect(body.error.issues[0]?.path).toBe("samples.0");
    expect(body.error.issues[0]?.message).toContain("gpu");
  });

  it("fires on a hot GPU, notifies the webhook and the event log, cordons the node, and resolves", async () => {
    const push = (value: number): Promise<Response> =>
      api("/api/v1/metrics/samples", {
        method: "POST",
        body: JSON.stringify({ samples: [{ metric: "aidc_gpu_temperature_celsius", labels: { node, gpu: "0" }, value }] }),
      });
    expect((await push(95)).status).toBe(200);
    const firing = await until("firing alert", async () => {
      const { alerts } = (await (await api(`/api/v1/alerts`)).json()) as { alerts: ApiAlert[] };
      return alerts.find((a) => a.alertname === "GpuTooHot" && a.state === "firing");
    });
    expect(firing.labels).toMatchObject({ node, gpu: "0", severity: "critical", action: "cordon" });
    await until("webhook firing", async () => hooked.find((h) => h.status === "firing"));
    const nodes = (await (await api(`/api/v1/nodes`)).json()) as { nodes: { name: string; cordoned?: string }[] };
    expect(nodes.nodes.find((n) => n.name === node)?.cordoned).toMatch(/^alert GpuTooHot/);
    const events = (await server.store.events.list(200)).map((e) => e.type);
    expect(events).toContain("alert.firing");
    expect(events).toContain("node.cordoned");

    const ack = await api(`/api/v1/alerts/${firing.id}/ack`, { method: "POST", body: JSON.stringify({ comment: "looking" }) });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as ApiAlert).acknowledged?.by).toBe("admin");
    expect((await api("/api/v1/alerts/nope/ack", { method: "POST", body: "{}" })).status).toBe(404);

    expect((await push(40)).status).toBe(200);
    await until("resolved alert", async () => {
      const { alerts } = (await (await api(`/api/v1/alerts`)).json()) as { alerts: ApiAlert[] };
      return alerts.find((a) => a.alertname === "GpuTooHot" && a.state === "resolved");
    });
    await until("webhook resolved", async () => hooked.find((h) => h.status === "resolved"));
    const after = (await (await api(`/api/v1/nodes`)).json()) as { nodes: { name: string; cordoned?: string }[] };
    expect(after.nodes.find((n) => n.name === node)?.cordoned).toBeUndefined();
    expect((await server.store.events.list(200)).map((e) => e.type)).toEqual(expect.arrayContaining(["alert.resolved", "node.uncordoned"]));
  });

  it("drains a node whose GPU reports ECC errors: its running job is preempted and requeued; the node is back once resolved", async () => {
    const res = await api("/api/v1/jobs", {
      method: "POST",
      body: JSON.stringify({ apiVersion: "aidc/v1", kind: "Job", name: "victim", tasks: [{}], run: { command: "sleep 30" } }),
    });
    const { id } = (await res.json()) as { id: string };
    const state = async (): Promise<string> => ((await (await api(`/api/v1/jobs/${id}`)).json()) as { state: string }).state;
    await until("job running", async () => ((await state()) === "running" ? true : undefined));
    const ecc = (value: number): Promise<Response> =>
      api("/api/v1/metrics/samples", {
        method: "POST",
        body: JSON.stringify({ samples: [{ metric: "aidc_gpu_ecc_errors_total", labels: { node, gpu: "3" }, value }] }),
      });
    await ecc(2);
    await until("node drained", async () => (await server.store.events.list(300)).find((e) => e.type === "node.drained"));
    const drained = (await server.store.events.list(300)).find((e) => e.type === "node.drained");
    expect(drained?.data["requeued"]).toEqual([id]);
    const events = (await (await api(`/api/v1/jobs/${id}/events`)).json()) as { events: { type: string; data: { message?: string } }[] };
    expect(JSON.stringify(events)).toContain(`node ${node} drained`);
    // people see a drain, not a plain cordon, with the alert as the reason
    const nodes = (await (await api("/api/v1/nodes")).json()) as { nodes: { name: string; state: string; reason?: string }[] };
    const shown = nodes.nodes.find((n) => n.name === node);
    expect(["draining", "drained"]).toContain(shown?.state);
    expect(shown?.reason).toContain("GpuEccDrain");
    await ecc(0);
    await until("node uncordoned", async () => ((await server.store.nodes.cordons()).has(node) ? undefined : true));
    await until("webhook resolved", async () =>
      hooked.find((h) => h.status === "resolved" && h.alerts[0]?.labels["alertname"] === "GpuEccDrain"),
    );
    await until("job running again", async () => ((await state()) === "running" ? true : undefined));
    expect((await api(`/api/v1/jobs/${id}`, { method: "DELETE" })).status).toBe(200);
  });

  it("mutes a silenced alert: it fires but neither notifies nor cordons", async () => {
    const s = await api("/api/v1/silences", {
      method: "POST",
      body: JSON.stringify({ matchers: [{ name: "gpu", value: "7" }], durationS: 600, comment: "maintenance" }),
    });
    expect(s.status).toBe(201);
    const { id } = (await s.json()) as { id: string };
    const before = hooked.length;
    await api("/api/v1/metrics/samples", {
      method: "POST",
      body: JSON.stringify({ samples: [{ metric: "aidc_gpu_temperature_celsius", labels: { node, gpu: "7" }, value: 99 }] }),
    });
    const muted = await until("silenced firing alert", async () => {
      const { alerts } = (await (await api(`/api/v1/alerts`)).json()) as { alerts: (ApiAlert & { silencedBy: string[] })[] };
      return alerts.find((a) => a.labels["gpu"] === "7" && a.state === "firing" && a.silencedBy.length > 0);
    });
    expect(muted.silencedBy).toEqual([id]);
    expect(hooked.slice(before).filter((h) => h.alerts.some((a) => a.labels["gpu"] === "7"))).toEqual([]);
    expect((await server.store.nodes.cordons()).has(node)).toBe(false);
    expect((await api(`/api/v1/silences/${id}`, { method: "DELETE" })).status).toBe(204);
  });
});

describe("built-in alert rules", () => {
  it("are the rules of examples/alerts/node-health.yaml", () => {
    const example = parseAlertRules(readFileSync(join(repo, "examples/alerts/node-health.yaml"), "utf8"));
    const builtIn = parseAlertRules(DEFAULT_ALERT_RULES_YAML);
    expect(builtIn.issues).toEqual([]);
    expect(builtIn.rules).toEqual(example.rules);
  });
});
