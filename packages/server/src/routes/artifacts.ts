import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { InvalidInputError, NotFoundError, objectName } from "@aidc/core";
import { principalOf, requireRole } from "../auth.js";
import { ProjectRepo } from "../artifacts/projects.js";
import { ARTIFACT_KINDS, TIERS, applyTierPolicy, type Artifact as ArtifactRecord } from "../artifacts/repo.js";
import { publishAs } from "../artifacts/projects.js";
import { UploadSessions } from "../artifacts/uploads.js";
import type { ServerContext } from "../context.js";
import type { Principal } from "../store/tokens.js";
import { downloadable } from "../governance/access.js";
import { projectRoutes } from "./projects.js";
import { uploadRoutes } from "./uploads.js";

const Artifact = z.object({
  id: z.string(),
  project: z.string(),
  name: z.string(),
  version: z.number(),
  kind: z.enum(ARTIFACT_KINDS),
  sha256: z.string(),
  sizeBytes: z.number(),
  tier: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  parents: z.array(z.string()).readonly(),
  jobId: z.string().optional(),
  createdBy: z.string(),
  createdAtMs: z.number(),
  deletedAtMs: z.number().optional(),
  deletedBy: z.string().optional(),
});
const ParentView = z.object({
  id: z.string(),
  project: z.string().optional(),
  name: z.string().optional(),
  version: z.number().optional(),
  deleted: z.boolean().optional(),
});
const Ref = z.object({ project: objectName, name: objectName });
const VersionRef = Ref.extend({ version: z.string().regex(/^(\d+|latest)$/, "a version number or latest") });
const NumberedRef = Ref.extend({ version: z.string().regex(/^\d+$/, "a version number") });

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive [start, end], or undefined when unsatisfiable. */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === "" && m[2] === "")) return undefined;
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : undefined;
}

export function artifactRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const projects = new ProjectRepo(ctx.store);
    const sessions = new UploadSessions(ctx.store, ctx.blobs);
    await app.register(uploadRoutes(ctx, sessions));
    await app.register(projectRoutes(ctx, projects));

    /** Asks the store again whether any live version uses the bytes (another server may have just registered them). */
    const unused = (sha256: string) => async () => !(await ctx.store.artifacts.isBlobUsed(sha256));

    /** A live version the principal may read; 404 alike for a missing one and for one in a project it cannot see. */
    const readable = async (p: Principal, project: string, name: string, version: string): Promise<ArtifactRecord> => {
      const what = `artifact ${project}/${name} version ${version}`;
      await projects.requireRead(p, project, what);
      const a = await ctx.store.artifacts.find(project, name, version === "latest" ? undefined : Number(version));
      if (a === undefined) throw new NotFoundError(`No ${what}`);
      return a;
    };

    app.post(
      "/api/v1/artifacts",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Register a finished upload as the next version of project/name (publisher role in the project, or a new project)",
          body: z.strictObject({
            project: objectName,
            name: objectName,
            kind: z.enum(ARTIFACT_KINDS),
            uploadId: z.string(),
            sha256: z
              .string()
              .regex(/^[0-9a-f]{64}$/)
              .optional(),
            metadata: z.record(z.string(), z.unknown()).default({}),
            parents: z.array(z.string()).default([]),
            jobId: z.string().optional(),
          }),
          response: { 201: Artifact },
        },
      },
      async (req, reply) => {
        const p = requireRole(req, "user");
        const b = req.body;
        await projects.ensurePublishable(p, b.project, ctx.now(), { create: false });
        for (const id of b.parents) {
          const parent = await ctx.store.artifacts.get(id);
          if (parent === undefined || !(await projects.canRead(p, parent.project)))
            throw new NotFoundError(`Parent artifact "${id}" does not exist`);
        }
        const session = await sessions.owned(b.uploadId, p.user);
        const { sha256, sizeBytes } = await ctx.blobs.commit(session.id, b.sha256);
        await sessions.end(session.id);
        try {
          // the publish check (and the new project, if any) runs in the add's own transaction
          const artifact = await ctx.store.artifacts.add(
            {
              project: b.project,
              name: b.name,
              kind: b.kind,
              sha256,
              sizeBytes,
              metadata: b.metadata,
              parents: b.parents,
              ...(b.jobId ? { jobId: b.jobId } : {}),
              createdBy: p.user,
            },
            ctx.now(),
            publishAs(p),
          );
          ctx.blobs.release(sha256);
          return reply.status(201).send(artifact);
        } catch (err) {
          ctx.blobs.release(sha256);
          if (!(await ctx.store.artifacts.isBlobUsed(sha256))) await ctx.blobs.remove(sha256, unused(sha256));
          throw err;
        }
      },
    );

    app.get(
      "/api/v1/artifacts",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Artifacts of the projects the caller can read (operators and admins: all)",
          querystring: z.object({
            project: objectName.optional(),
            name: objectName.optional(),
            kind: z.enum(ARTIFACT_KINDS).optional(),
            includeDeleted: z.enum(["true", "false"]).optional(),
          }),
          response: { 200: z.object({ artifacts: z.array(Artifact) }) },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const q = req.query;
        const visible = new Set((await projects.visible(p)).map((v) => v.name));
        const all = await ctx.store.artifacts.list({
          ...(q.project ? { project: q.project } : {}),
          ...(q.name ? { name: q.name } : {}),
          ...(q.kind ? { kind: q.kind } : {}),
          includeDeleted: q.includeDeleted === "true",
        });
        return { artifacts: all.filter((a) => visible.has(a.project)) };
      },
    );

    app.get(
      "/api/v1/artifacts/:project/:name/:version",
      {
        schema: {
          tags: ["artifacts"],
          summary: "One version with its lineage (a deleted version answers as a tombstone; deleted parents say so)",
          params: VersionRef,
          response: { 200: Artifact.extend({ lineage: z.object({ parents: z.array(ParentView) }) }) },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const { project, name, version } = req.params;
        const what = `artifact ${project}/${name} version ${version}`;
        await projects.requireRead(p, project, what);
        const a =
          version === "latest"
            ? await ctx.store.artifacts.find(project, name)
            : (await ctx.store.artifacts.list({ project, name, includeDeleted: true })).find((x) => x.version === Number(version));
        if (a === undefined) throw new NotFoundError(`No ${what}`);
        const parents = [];
        for (const id of a.parents) {
          const parent = await ctx.store.artifacts.get(id);
          if (parent === undefined || !(await projects.canRead(p, parent.project))) {
            parents.push({ id });
            continue;
          }
          parents.push({
            id,
            project: parent.project,
            name: parent.name,
            version: parent.version,
            deleted: parent.deletedAtMs !== undefined,
          });
        }
        return { ...a, lineage: { parents } };
      },
    );

    app.patch(
      "/api/v1/artifacts/:project/:name/:version",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Change a version's tier or metadata (publisher role in the project; a null metadata value removes the key)",
          params: NumberedRef,
          body: z
            .strictObject({ tier: z.enum(TIERS).optional(), metadata: z.record(z.string(), z.unknown()).optional() })
            .refine((b) => b.tier !== undefined || b.metadata !== undefined, "give tier and/or metadata"),
          response: { 200: Artifact },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project, name, version } = req.params;
        const a = await readable(p, project, name, version);
        await projects.require(p, project, "publisher", "change artifacts", `artifact ${project}/${name} version ${version}`);
        return ctx.store.artifacts.update(
          a.id,
          { ...(req.body.tier ? { tier: req.body.tier } : {}), ...(req.body.metadata ? { metadata: req.body.metadata } : {}) },
          p.user,
          ctx.now(),
        );
      },
    );

    app.delete(
      "/api/v1/artifacts/:project/:name/:version",
      {
        schema: {
          tags: ["artifacts"],
          summary:
            "Delete a version (publisher role in the project): latest moves to the newest remaining version, lineage keeps a tombstone, " +
            "the bytes go when no version uses them",
          params: NumberedRef,
          response: { 200: Artifact },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project, name, version } = req.params;
        const a = await readable(p, project, name, version);
        await projects.require(p, project, "publisher", "delete artifacts", `artifact ${project}/${name} version ${version}`);
        // refused (CONFLICT) in the store's transaction while a served name is bound to the version
        const { artifact, blobStillUsed } = await ctx.store.artifacts.remove(a.id, p.user, ctx.now());
        if (!blobStillUsed) await ctx.blobs.remove(a.sha256, unused(a.sha256));
        return artifact;
      },
    );

    app.get(
      "/api/v1/artifacts/:project/:name/:version/content",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Download (Range supported; a blob is integrity-checked before its first byte is served, whole or ranged)",
          params: VersionRef,
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        // datasets go through the governance gate: permission (role × project) and an audit row, allowed or denied
        const range0 = req.headers.range;
        // the header is the client's: at most 100 characters of it go to the audit log
        const a = await downloadable(
          ctx.store,
          p,
          req.params,
          ctx.now(),
          range0 !== undefined ? { range: range0.slice(0, 100) } : undefined,
        );
        // the one read path: verified (and decrypted on an encrypted store) before the first byte
        const size = await ctx.blobs.verify(a.sha256);
        void reply.header("accept-ranges", "bytes").header("etag", `"${a.sha256}"`).header("x-aidc-sha256", a.sha256);
        const range = req.headers.range;
        if (range !== undefined) {
          const r = parseRange(range, size);
          if (r === undefined)
            return reply
              .status(416)
              .header("content-range", `bytes */${size}`)
              .send({ error: { code: "RANGE_NOT_SATISFIABLE", message: `Range ${range} is outside 0-${size - 1}` } });
          return reply
            .status(206)
            .header("content-range", `bytes ${r.start}-${r.end}/${size}`)
            .header("content-length", r.end - r.start + 1)
            .type("application/octet-stream")
            .send((await ctx.blobs.read(a.sha256, r)).stream);
        }
        return reply
          .header("content-length", size)
          .type("application/octet-stream")
          .send((await ctx.blobs.read(a.sha256)).stream);
      },
    );

    app.post(
      "/api/v1/artifacts/tiering",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Apply the tiering policy: newest versions stay hot, older go warm, old ones cold",
          body: z.strictObject({ hotVersions: z.number().int().min(1).default(2), coldAfterDays: z.number().min(0).default(30) }),
        },
      },
      async (req) => {
        requireRole(req, "operator");
        return { moved: await applyTierPolicy(ctx.store.artifacts, req.body, ctx.now()) };
      },
    );
  };
}

/** An InvalidInputError for a bad `project/name:version` reference (shared with the model routes). */
export function badRef(ref: string, path: string): InvalidInputError {
  return new InvalidInputError(`Invalid artifact "${ref}"`, [
    { code: "invalid_value", path, message: "use project/name:version (or project/name for the latest version)" },
  ]);
}
