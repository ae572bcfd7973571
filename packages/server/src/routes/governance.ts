import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { objectName } from "@aidc/core";
import { requireRole } from "../auth.js";
import { PROJECT_ROLES, ProjectRepo } from "../artifacts/projects.js";
import { ARTIFACT_KINDS } from "../artifacts/repo.js";
import type { ServerContext } from "../context.js";
import { permissionRole } from "../governance/access.js";
import { scanDataset } from "../governance/pii-scan.js";
import { PII_KINDS } from "../governance/pii.js";
import { applyRetention, retentionCuts } from "../governance/retention.js";
import { DEFAULT_PERMISSION_ROLE, PROJECT_PERMISSIONS } from "../store/port-governance.js";

const Params = z.object({ project: objectName });
const Permissions = z.object({
  project: z.string(),
  permissions: z.array(z.object({ permission: z.enum(PROJECT_PERMISSIONS), minRole: z.enum(PROJECT_ROLES), isDefault: z.boolean() })),
});
const Rule = z.object({
  project: z.string(),
  keepVersions: z.number().optional(),
  maxAgeDays: z.number().optional(),
  kinds: z.array(z.enum(ARTIFACT_KINDS)).readonly(),
  setBy: z.string(),
  setAtMs: z.number(),
});
const Outcome = z.object({
  project: z.string(),
  dryRun: z.boolean(),
  deleted: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      version: z.number(),
      reason: z.enum(["count", "age"]),
      blobRemoved: z.boolean().optional(),
    }),
  ),
  kept: z.array(z.object({ id: z.string(), name: z.string(), version: z.number(), why: z.string() })),
});
const Counts = z.object(Object.fromEntries(PII_KINDS.map((k) => [k, z.number()])) as Record<(typeof PII_KINDS)[number], z.ZodNumber>);
const Report = z.object({
  format: z.literal("aidc.pii-scan/1"),
  scannedAtMs: z.number(),
  scannedBy: z.string(),
  gzip: z.boolean(),
  lines: z.number(),
  linesWithPii: z.number(),
  counts: Counts,
  samples: z.array(z.object({ line: z.number(), kind: z.enum(PII_KINDS), masked: z.string() })),
  redacted: z.object({ artifactId: z.string(), version: z.number(), sha256: z.string() }).optional(),
});

/**
 * A project's data rules: who holds dataset:read (role × project), how long versions are kept
 * (retention), and PII scans of its text datasets. Owners set the rules; members read them; every
 * change is on the audit log (in the same transaction).
 */
export function governanceRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const projects = new ProjectRepo(ctx.store);
    const view = async (project: string) => ({
      project,
      permissions: await Promise.all(
        PROJECT_PERMISSIONS.map(async (permission) => {
          const minRole = await permissionRole(ctx.store, project, permission);
          const set = (await ctx.store.governance.permissions.list(project)).some((r) => r.permission === permission);
          return { permission, minRole, isDefault: !set && minRole === DEFAULT_PERMISSION_ROLE[permission] };
        }),
      ),
    });

    app.get(
      "/api/v1/projects/:project/permissions",
      {
        schema: {
          tags: ["governance"],
          summary: "Which project role holds each permission (members)",
          params: Params,
          response: { 200: Permissions },
        },
      },
      async (req) => {
        const p = requireRole(req, "viewer");
        await projects.requireRead(p, req.params.project, `project "${req.params.project}"`);
        return view(req.params.project);
      },
    );

    app.put(
      "/api/v1/projects/:project/permissions",
      {
        schema: {
          tags: ["governance"],
          summary: "Set the least project role holding a permission, e.g. dataset:read → publisher (owners)",
          params: Params,
          body: z.strictObject({ permission: z.enum(PROJECT_PERMISSIONS), minRole: z.enum(PROJECT_ROLES) }),
          response: { 200: Permissions },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project } = req.params;
        await projects.require(p, project, "owner", "set permissions", `project "${project}"`);
        await ctx.store.governance.permissions.set({ project, ...req.body, setBy: p.user, setAtMs: ctx.now() });
        return view(project);
      },
    );

    app.get(
      "/api/v1/projects/:project/retention",
      {
        schema: {
          tags: ["governance"],
          summary: "The project's retention rule (members); null when versions are kept forever",
          params: Params,
          response: { 200: z.object({ rule: Rule.nullable() }) },
        },
      },
      async (req) => {
        const p = requireRole(req, "viewer");
        await projects.requireRead(p, req.params.project, `project "${req.params.project}"`);
        return { rule: (await ctx.store.governance.retention.get(req.params.project)) ?? null };
      },
    );

    app.put(
      "/api/v1/projects/:project/retention",
      {
        schema: {
          tags: ["governance"],
          summary: "Set the retention rule: keep the newest N versions of each name and/or none older than D days (owners)",
          params: Params,
          body: z
            .strictObject({
              keepVersions: z.number().int().min(1).max(1_000_000).optional(),
              maxAgeDays: z.number().positive().max(36_500).optional(),
              kinds: z.array(z.enum(ARTIFACT_KINDS)).min(1).default(["dataset"]),
            })
            .refine((b) => b.keepVersions !== undefined || b.maxAgeDays !== undefined, {
              message: "give keepVersions and/or maxAgeDays",
              path: ["keepVersions"],
            }),
          response: { 200: z.object({ rule: Rule }) },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project } = req.params;
        await projects.require(p, project, "owner", "set retention", `project "${project}"`);
        const b = req.body;
        const rule = await ctx.store.governance.retention.set({
          project,
          ...(b.keepVersions !== undefined ? { keepVersions: b.keepVersions } : {}),
          ...(b.maxAgeDays !== undefined ? { maxAgeDays: b.maxAgeDays } : {}),
          kinds: [...new Set(b.kinds)],
          setBy: p.user,
          setAtMs: ctx.now(),
        });
        return { rule };
      },
    );

    app.delete(
      "/api/v1/projects/:project/retention",
      {
        schema: {
          tags: ["governance"],
          summary: "Remove the retention rule (owners)",
          params: Params,
          response: { 200: z.object({ removed: z.boolean() }) },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project } = req.params;
        await projects.require(p, project, "owner", "set retention", `project "${project}"`);
        return { removed: await ctx.store.governance.retention.clear(project, p.user, ctx.now()) };
      },
    );

    app.post(
      "/api/v1/projects/:project/retention/apply",
      {
        schema: {
          tags: ["governance"],
          summary: "Apply the retention rule now (owners): deletes the versions it selects, their unused blobs and keys; dryRun lists them",
          params: Params,
          body: z.strictObject({ dryRun: z.boolean().default(false) }).default({ dryRun: false }),
          response: { 200: Outcome },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project } = req.params;
        await projects.require(p, project, "owner", "apply retention", `project "${project}"`);
        const rule = await ctx.store.governance.retention.get(project);
        if (rule === undefined) return { project, dryRun: req.body.dryRun, deleted: [], kept: [] };
        if (req.body.dryRun) {
          const cuts = retentionCuts(await ctx.store.artifacts.list({ project }), rule, ctx.now());
          return {
            project,
            dryRun: true,
            deleted: cuts.map((c) => ({ id: c.artifact.id, name: c.artifact.name, version: c.artifact.version, reason: c.reason })),
            kept: [],
          };
        }
        return { ...(await applyRetention(ctx, rule, p.user)), dryRun: false };
      },
    );

    app.post(
      "/api/v1/artifacts/:project/:name/:version/pii-scan",
      {
        schema: {
          tags: ["governance"],
          summary:
            "Scan a text dataset for e-mail addresses, phone and card numbers (publishers); the report (masked) goes into the version's " +
            "metadata as piiScan; with redact, the redacted text becomes the next version",
          params: Params.extend({ name: objectName, version: z.string().regex(/^(\d+|latest)$/, "a version number or latest") }),
          body: z.strictObject({ redact: z.boolean().default(false) }).default({ redact: false }),
          response: { 200: z.object({ artifactId: z.string(), version: z.number(), report: Report }) },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const out = await scanDataset(ctx, p, req.params, { redact: req.body.redact });
        return { artifactId: out.artifact.id, version: out.artifact.version, report: out.report };
      },
    );
  };
}
