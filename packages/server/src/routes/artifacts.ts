import { createReadStream, statSync } from "node:fs";
import type { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError, objectName } from "@aidc/core";
import { principalOf, requireRole } from "../auth.js";
import { ARTIFACT_KINDS } from "../artifacts/repo.js";
import type { ServerContext } from "../context.js";

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
});
const Upload = z.object({ id: z.string(), offsetBytes: z.number() });
const Ref = z.object({ project: objectName, name: objectName });
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024 * 1024;

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
    app.addContentTypeParser(["application/octet-stream", "application/offset+octet-stream"], (_req, payload, done) => done(null, payload));
    const uploads = new Map<string, string>(); // upload id -> owner

    const owned = (id: string, user: string): string => {
      if (uploads.get(id) !== user) throw new NotFoundError(`No upload "${id}"`);
      return id;
    };

    app.post(
      "/api/v1/uploads",
      { schema: { tags: ["artifacts"], summary: "Start a resumable upload", response: { 201: Upload } } },
      async (req, reply) => {
        const p = requireRole(req, ctx.tokens, "user");
        const id = ctx.blobs.newUpload();
        uploads.set(id, p.user);
        return reply.status(201).send({ id, offsetBytes: 0 });
      },
    );

    app.get(
      "/api/v1/uploads/:id",
      { schema: { tags: ["artifacts"], params: z.object({ id: z.string() }), response: { 200: Upload } } },
      async (req) => {
        const p = principalOf(req, ctx.tokens);
        return { id: req.params.id, offsetBytes: ctx.blobs.uploadedBytes(owned(req.params.id, p.user)) };
      },
    );

    app.patch(
      "/api/v1/uploads/:id",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Append bytes at Upload-Offset (resume from the offset GET reports)",
          params: z.object({ id: z.string() }),
          headers: z.object({ "upload-offset": z.coerce.number().int().min(0) }).passthrough(),
          response: { 200: Upload },
        },
      },
      async (req) => {
        const p = requireRole(req, ctx.tokens, "user");
        const id = owned(req.params.id, p.user);
        const offsetBytes = await ctx.blobs.append(id, req.headers["upload-offset"], req.body as Readable, MAX_UPLOAD_BYTES);
        return { id, offsetBytes };
      },
    );

    app.post(
      "/api/v1/artifacts",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Register a finished upload as the next version of project/name",
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
        const p = requireRole(req, ctx.tokens, "user");
        const b = req.body;
        const id = owned(b.uploadId, p.user);
        const { sha256, sizeBytes } = await ctx.blobs.commit(id, b.sha256);
        uploads.delete(id);
        const artifact = ctx.artifacts.add(
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
        );
        return reply.status(201).send(artifact);
      },
    );

    app.get(
      "/api/v1/artifacts",
      {
        schema: {
          tags: ["artifacts"],
          querystring: z.object({ project: objectName.optional(), name: objectName.optional(), kind: z.enum(ARTIFACT_KINDS).optional() }),
          response: { 200: z.object({ artifacts: z.array(Artifact) }) },
        },
      },
      async (req) => {
        principalOf(req, ctx.tokens);
        const q = req.query;
        return {
          artifacts: ctx.artifacts.list({
            ...(q.project ? { project: q.project } : {}),
            ...(q.name ? { name: q.name } : {}),
            ...(q.kind ? { kind: q.kind } : {}),
          }),
        };
      },
    );

    app.get(
      "/api/v1/artifacts/:project/:name/:version/content",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Download (Range supported; full reads are integrity-checked first)",
          params: Ref.extend({ version: z.string() }),
        },
      },
      async (req, reply) => {
        principalOf(req, ctx.tokens);
        const { project, name, version } = req.params;
        const v = version === "latest" ? undefined : Number(version);
        const a = v !== undefined && !Number.isInteger(v) ? undefined : ctx.artifacts.find(project, name, v);
        if (a === undefined) throw new NotFoundError(`No artifact ${project}/${name} version ${version}`);
        const path = ctx.blobs.blobPath(a.sha256);
        const size = statSync(path).size;
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
            .send(createReadStream(path, { start: r.start, end: r.end }));
        }
        await ctx.blobs.verify(a.sha256);
        return reply.header("content-length", size).type("application/octet-stream").send(createReadStream(path));
      },
    );

    app.put(
      "/api/v1/projects/:project/quota",
      {
        schema: {
          tags: ["artifacts"],
          params: z.object({ project: objectName }),
          body: z.strictObject({ maxBytes: z.number().int().min(0) }),
        },
      },
      async (req) => {
        requireRole(req, ctx.tokens, "operator");
        ctx.artifacts.setQuota(req.params.project, req.body.maxBytes);
        return { project: req.params.project, maxBytes: req.body.maxBytes, usedBytes: ctx.artifacts.usedBytes(req.params.project) };
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
        requireRole(req, ctx.tokens, "operator");
        return { moved: ctx.artifacts.applyTierPolicy(req.body, ctx.now()) };
      },
    );
  };
}
