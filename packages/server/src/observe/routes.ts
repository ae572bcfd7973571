import { randomUUID } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { InvalidInputError, NotFoundError, type Issue } from "@aidc/core";
import { requireRole } from "../auth.js";
import type { ServerContext } from "../context.js";
import { sampleIssue } from "./exporter.js";
import type { ObserveService } from "./service.js";

/** A time as epoch milliseconds or an ISO 8601 instant. */
function instant(value: string | undefined, fallback: number, path: string, issues: Issue[]): number {
  if (value === undefined || value === "") return fallback;
  const n = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(n))
    issues.push({ code: "invalid_value", path, message: `must be epoch milliseconds or an ISO time, got "${value}"` });
  return n;
}

const Matcher = z.object({ name: z.string().min(1), value: z.string(), regex: z.boolean().optional() });
const SilenceBody = z.object({
  matchers: z.array(Matcher).min(1),
  /** Default: now. */
  startsAtMs: z.number().optional(),
  endsAtMs: z.number().optional(),
  durationS: z.number().positive().optional(),
  comment: z.string().default(""),
});
const Obj = z.record(z.string(), z.unknown());
const Silence = z.looseObject({ id: z.string(), matchers: z.array(Matcher), startsAtMs: z.number(), endsAtMs: z.number() });
const PushBody = z.object({
  samples: z
    .array(z.object({ metric: z.string(), labels: z.record(z.string(), z.string()), value: z.number(), timeMs: z.number().optional() }))
    .max(100_000),
});

/** GET /api/v1/metrics/series, POST /api/v1/metrics/samples (remote agents), alerts, acknowledgements and silences. */
export function observeRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  const svc = (): ObserveService => {
    if (ctx.observe === undefined) throw new NotFoundError("Metrics and alerts are not enabled on this server");
    return ctx.observe;
  };
  return async (app) => {
    app.get(
      "/api/v1/metrics/series",
      {
        schema: {
          tags: ["observe"],
          summary: "Stored points of a metric over a time range (raw, 5-minute or 1-hour tier, whichever covers it)",
          querystring: z.object({
            name: z.string().min(1),
            from: z.string().optional(),
            to: z.string().optional(),
            /** Label matchers `k=v,k2=v2`. */
            match: z.string().optional(),
          }),
          response: { 200: z.looseObject({ metric: z.string(), fromMs: z.number(), toMs: z.number(), series: z.array(z.unknown()) }) },
        },
      },
      async (req) => {
        const issues: Issue[] = [];
        const now = ctx.now();
        const toMs = instant(req.query.to, now, "to", issues);
        const fromMs = instant(req.query.from, toMs - 3_600_000, "from", issues);
        const matchers: Record<string, string> = {};
        for (const part of (req.query.match ?? "").split(",").filter((p) => p !== "")) {
          const eq = part.indexOf("=");
          if (eq <= 0) issues.push({ code: "invalid_value", path: "match", message: `"${part}" is not label=value` });
          else matchers[part.slice(0, eq)] = part.slice(eq + 1);
        }
        if (issues.length === 0 && fromMs > toMs) issues.push({ code: "invalid_range", path: "from", message: "must not be after to" });
        if (issues.length > 0) throw new InvalidInputError("Invalid series query", issues);
        const r = svc().query(req.query.name, fromMs, toMs, matchers);
        return { metric: req.query.name, fromMs, toMs, ...r };
      },
    );

    app.post(
      "/api/v1/metrics/samples",
      {
        schema: {
          tags: ["observe"],
          summary: "Push samples from a remote node agent (operator)",
          body: PushBody,
          response: { 200: z.object({ stored: z.number(), notifications: z.number() }) },
        },
      },
      async (req) => {
        requireRole(req, "operator");
        const issues: Issue[] = [];
        req.body.samples.forEach((s, i) => {
          const problem = sampleIssue(s);
          if (problem !== undefined) issues.push({ code: "invalid_sample", path: `samples.${i}`, message: problem });
        });
        if (issues.length > 0) throw new InvalidInputError("Invalid samples", issues.slice(0, 100));
        const now = ctx.now();
        return svc().ingest(req.body.samples.map((s) => ({ ...s, timeMs: s.timeMs ?? now })));
      },
    );

    app.get(
      "/api/v1/metrics/status",
      {
        schema: {
          tags: ["observe"],
          summary: "The node agent: node name, last sample cost, samples stored",
          response: { 200: z.object({ node: z.string(), lastSampleMs: z.number(), samplesStored: z.number() }) },
        },
      },
      async () => ({ node: svc().agent.node, lastSampleMs: svc().lastSampleMs, samplesStored: svc().samplesStored }),
    );

    app.get(
      "/api/v1/alerts",
      {
        schema: {
          tags: ["observe"],
          summary: "Pending, firing and recently resolved alerts",
          response: { 200: z.object({ alerts: z.array(Obj) }) },
        },
      },
      async () => ({ alerts: svc().alerts() as unknown as Record<string, unknown>[] }),
    );

    app.post(
      "/api/v1/alerts/:id/ack",
      {
        schema: {
          tags: ["observe"],
          summary: "Acknowledge an alert: no repeat notifications until it resolves (operator)",
          params: z.object({ id: z.string().min(1) }),
          body: z.object({ comment: z.string().optional() }).optional(),
          response: { 200: Obj },
        },
      },
      async (req) => {
        const p = requireRole(req, "operator");
        const a = await svc().acknowledge(req.params.id, p.user, req.body?.comment);
        if (a === undefined) throw new NotFoundError(`No pending or firing alert ${req.params.id}`);
        return a as unknown as Record<string, unknown>;
      },
    );

    app.get(
      "/api/v1/silences",
      { schema: { tags: ["observe"], summary: "Silences (muted alerts)", response: { 200: z.object({ silences: z.array(Obj) }) } } },
      async () => ({ silences: svc().evaluator.silences() as unknown as Record<string, unknown>[] }),
    );

    app.post(
      "/api/v1/silences",
      {
        schema: {
          tags: ["observe"],
          summary: "Mute the notifications of matching alerts for a while (operator)",
          body: SilenceBody,
          response: { 201: Silence },
        },
      },
      async (req, reply) => {
        const p = requireRole(req, "operator");
        const now = ctx.now();
        const startsAtMs = req.body.startsAtMs ?? now;
        const endsAtMs = req.body.endsAtMs ?? startsAtMs + (req.body.durationS ?? 3600) * 1000;
        if (endsAtMs <= startsAtMs)
          throw new InvalidInputError("Invalid silence", [
            { code: "invalid_range", path: "endsAtMs", message: "must be after startsAtMs" },
          ]);
        for (const [i, m] of req.body.matchers.entries()) {
          if (!m.regex) continue;
          try {
            new RegExp(m.value);
          } catch (e) {
            throw new InvalidInputError("Invalid silence", [
              { code: "invalid_regex", path: `matchers.${i}.value`, message: (e as Error).message },
            ]);
          }
        }
        const silence = {
          id: `s-${randomUUID().slice(0, 8)}`,
          matchers: req.body.matchers.map((m) => ({ name: m.name, value: m.value, ...(m.regex ? { regex: true } : {}) })),
          startsAtMs,
          endsAtMs,
          createdBy: p.user,
          comment: req.body.comment,
        };
        await svc().addSilence(silence);
        return reply.status(201).send(silence);
      },
    );

    app.delete(
      "/api/v1/silences/:id",
      {
        schema: {
          tags: ["observe"],
          summary: "Remove a silence (operator)",
          params: z.object({ id: z.string().min(1) }),
          response: { 204: z.null().describe("Removed") },
        },
      },
      async (req, reply) => {
        const p = requireRole(req, "operator");
        if (!(await svc().removeSilence(req.params.id, p.user))) throw new NotFoundError(`No silence ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );
  };
}
