import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { AlertEvaluator } from "./evaluator.js";
import { dispatch, displayUrl, eventLogSink, webhookSink, type AlertEvent } from "./notify.js";
import { parseAlertRules } from "./parse.js";

const RULES = parseAlertRules(
  "apiVersion: aidc/v1\nkind: AlertRules\nname: t\ngroups:\n  - name: g\n    rules:\n      - { alert: Hot, metric: temp, threshold: { op: '>', value: 85 }, severity: critical, annotations: { summary: 'hot {{ $labels.node }}' } }\n",
).rules!;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => resolve(body));
  });
}

describe("notifications", () => {
  it("POSTs Alertmanager-style JSON to a real local webhook, and records events in the event sink", async () => {
    const received: { status: string; alerts: { labels: Record<string, string>; status: string }[] }[] = [];
    const server = createServer((req, res) => {
      void readBody(req).then((b) => {
        received.push(JSON.parse(b) as (typeof received)[number]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const events: AlertEvent[] = [];
    const sinks = [webhookSink(url), eventLogSink({ record: (e) => void events.push(e) })];
    try {
      const ev = new AlertEvaluator(RULES);
      const temp = (v: number) => [{ metric: "temp", labels: { node: "n1" }, value: v }];
      expect(await dispatch(ev.evaluate(0, temp(90)).notifications, sinks)).toEqual([]);
      expect(await dispatch(ev.evaluate(60_000, temp(70)).notifications, sinks)).toEqual([]);
    } finally {
      server.close();
    }
    expect(received.map((r) => [r.status, r.alerts[0]?.labels["node"], r.alerts[0]?.status])).toEqual([
      ["firing", "n1", "firing"],
      ["resolved", "n1", "resolved"],
    ]);
    expect(events.map((e) => [e.type, e.subject, e.severity, e.message])).toEqual([
      ["alert.firing", "node/n1", "critical", "hot n1 (value 90)"],
      ["alert.resolved", "node/n1", "critical", "hot n1 (value 90)"], // the last value seen while active,
    ]);
  });

  it("reports a failing sink without stopping the others", async () => {
    const server = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const events: AlertEvent[] = [];
    try {
      const ev = new AlertEvaluator(RULES);
      const failures = await dispatch(ev.evaluate(0, [{ metric: "temp", labels: { node: "n1" }, value: 99 }]).notifications, [
        webhookSink(url),
        eventLogSink({ record: (e) => void events.push(e) }),
      ]);
      expect(failures).toEqual([{ sink: `webhook ${url}`, error: `webhook ${url} answered HTTP 500` }]);
      expect(events.length).toBe(1);
    } finally {
      server.close();
    }
  });

  it("never names a webhook's secret (path, query, credentials) in a sink's name or its errors", async () => {
    const server = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const secret = "T0SECRET/B0SECRET/xoxbSECRET";
    const urls = [
      `http://127.0.0.1:${port}/services/${secret}?token=qSECRET`,
      `http://127.0.0.1:1/services/${secret}`, // nothing listens: a transport error
      `http://hook-user:pwSECRET@127.0.0.1:${port}/x`, // fetch refuses credentials in a URL: its error is reported, not the URL
    ];
    try {
      const ev = new AlertEvaluator(RULES);
      const notes = ev.evaluate(0, [{ metric: "temp", labels: { node: "n1" }, value: 99 }]).notifications;
      const failures = await dispatch(
        notes,
        urls.map((u) => webhookSink(u)),
      );
      expect(failures).toHaveLength(3);
      expect(failures[0]).toEqual({
        sink: `webhook http://127.0.0.1:${port}/…`,
        error: `webhook http://127.0.0.1:${port}/… answered HTTP 500`,
      });
      expect(failures[1]?.error).toMatch(/^webhook http:\/\/127\.0\.0\.1:1\/… failed: /);
      expect(failures[2]?.sink).toBe(`webhook http://127.0.0.1:${port}/…`);
      expect(JSON.stringify(failures)).not.toMatch(/SECRET/);
    } finally {
      server.close();
    }
    expect(displayUrl("not a url")).toBe("<invalid URL>");
  });
});
