import type { Alert, Notification } from "./evaluator.js";

/** Where alert notifications go. The server wires its event log in as one of these. */
export interface NotificationSink {
  readonly name: string;
  send(notification: Notification): Promise<void>;
}

/**
 * An event as the event log stores it. Maps onto the server store's
 * `insertEvent(atMs, type, subject, { severity, message, labels })`; subjects follow its `kind/name` form.
 */
export interface AlertEvent {
  readonly type: "alert.firing" | "alert.resolved" | "alert.repeat";
  readonly atMs: number;
  readonly subject: string;
  readonly severity: Alert["severity"];
  readonly message: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The event log seen from the alerts side: anything that can record an event. */
export interface EventSink {
  record(event: AlertEvent): void | Promise<void>;
}

export function toEvent(n: Notification): AlertEvent {
  const a = n.alert;
  const summary = a.annotations["summary"] ?? `${a.alertname} ${n.kind === "resolved" ? "resolved" : "is firing"}`;
  return {
    type: `alert.${n.kind}`,
    atMs: n.atMs,
    subject: a.labels["node"] !== undefined ? `node/${a.labels["node"]}` : `alert/${a.alertname}`,
    severity: a.severity,
    message: `${summary} (value ${Number(a.value.toPrecision(6))})`,
    labels: a.labels,
  };
}

export function eventLogSink(sink: EventSink): NotificationSink {
  return { name: "event-log", send: async (n) => void (await sink.record(toEvent(n))) };
}

/** Alertmanager-style webhook body (version 4), so existing receivers understand it. */
export function webhookBody(n: Notification): unknown {
  const a = n.alert;
  const status = n.kind === "resolved" ? "resolved" : "firing";
  return {
    version: "4",
    status,
    receiver: "aidc",
    groupLabels: { alertname: a.alertname },
    commonLabels: a.labels,
    commonAnnotations: a.annotations,
    alerts: [
      {
        status,
        labels: a.labels,
        annotations: a.annotations,
        startsAt: new Date(a.firedAtMs ?? a.activeAtMs).toISOString(),
        endsAt: a.resolvedAtMs !== undefined ? new Date(a.resolvedAtMs).toISOString() : "0001-01-01T00:00:00Z",
        fingerprint: a.fingerprint,
        value: a.value,
        acknowledged: a.acknowledged !== undefined,
      },
    ],
  };
}

export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number }>;

/**
 * A webhook URL as logs and errors show it: scheme and host only. Webhook URLs often carry their
 * secret in the path (chat incoming webhooks), the query (`?token=`) or credentials (`user:pass@`),
 * and a sink's name and errors end up in the server log.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === "/" && u.search === "" ? "/" : "/…"}`;
  } catch {
    return "<invalid URL>";
  }
}

/** POST each notification as JSON to a URL (global fetch by default). Throws on a non-2xx answer. */
export function webhookSink(
  url: string,
  opts: { fetch?: Fetch; timeoutMs?: number; headers?: Record<string, string> } = {},
): NotificationSink {
  const doFetch: Fetch = opts.fetch ?? ((u, init) => fetch(u, init));
  return {
    name: `webhook ${displayUrl(url)}`,
    async send(n) {
      let res: { ok: boolean; status: number };
      try {
        res = await doFetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", ...(opts.headers ?? {}) },
          body: JSON.stringify(webhookBody(n)),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
        });
      } catch (err) {
        // a transport error's message may quote the URL: say only what kind of failure it was
        throw new Error(
          `webhook ${displayUrl(url)} failed: ${(err as Error).name}${(err as { cause?: { code?: string } }).cause?.code !== undefined ? ` (${(err as { cause: { code: string } }).cause.code})` : ""}`,
        );
      }
      if (!res.ok) throw new Error(`webhook ${displayUrl(url)} answered HTTP ${res.status}`);
    },
  };
}

/** Deliver notifications to every sink; one failing sink does not stop the others. */
export async function dispatch(
  notifications: readonly Notification[],
  sinks: readonly NotificationSink[],
): Promise<{ sink: string; error: string }[]> {
  const failures: { sink: string; error: string }[] = [];
  for (const n of notifications) {
    for (const s of sinks) {
      try {
        await s.send(n);
      } catch (e) {
        failures.push({ sink: s.name, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  return failures;
}
