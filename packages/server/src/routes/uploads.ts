import type { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { AidcError, InvalidInputError } from "@aidc/core";
import { principalOf, requireRole } from "../auth.js";
import type { UploadSessions } from "../artifacts/uploads.js";
import type { ServerContext } from "../context.js";

const Upload = z.object({ id: z.string(), offsetBytes: z.number() });
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024 * 1024;

/**
 * Resumable uploads (sessions persist in the store, so `PATCH` at the offset `GET` reports works
 * after a server restart). Every request body here is raw bytes whatever its Content-Type, so
 * offsets are always byte offsets.
 */
export function uploadRoutes(ctx: ServerContext, sessions: UploadSessions): FastifyPluginAsyncZod {
  return async (app) => {
    // this plugin's scope only: no JSON or text parsing, the body stream goes to the blob store as is
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", (_req, payload, done) => done(null, payload));
    const busy = new Set<string>();

    app.post(
      "/api/v1/uploads",
      { schema: { tags: ["artifacts"], summary: "Start a resumable upload", response: { 201: Upload } } },
      async (req, reply) => {
        const p = requireRole(req, "user");
        const { id } = await sessions.start(p.user, ctx.now());
        return reply.status(201).send({ id, offsetBytes: 0 });
      },
    );

    app.get(
      "/api/v1/uploads/:id",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Bytes received so far: the offset to resume at",
          params: z.object({ id: z.string() }),
          response: { 200: Upload },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const s = await sessions.owned(req.params.id, p.user);
        return { id: s.id, offsetBytes: ctx.blobs.uploadedBytes(s.id) };
      },
    );

    app.patch(
      "/api/v1/uploads/:id",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Append the body's bytes (any Content-Type, taken as raw bytes) at Upload-Offset (resume from the offset GET reports)",
          params: z.object({ id: z.string() }),
          headers: z.object({ "upload-offset": z.coerce.number().int().min(0) }).passthrough(),
          response: { 200: Upload },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const s = await sessions.owned(req.params.id, p.user);
        const noBody = () =>
          new InvalidInputError(`PATCH /api/v1/uploads/${s.id} has no body`, [
            { code: "missing_body", path: "body", message: "send the bytes to append as the request body" },
          ]);
        const length = req.headers["content-length"];
        if (req.body === undefined || req.body === null || length === "0" || (length === undefined && !req.headers["transfer-encoding"])) {
          throw noBody();
        }
        if (busy.has(s.id)) throw new AidcError("OFFSET_MISMATCH", `Upload ${s.id} is receiving another PATCH; retry when it is done`);
        busy.add(s.id);
        try {
          const offsetBytes = await ctx.blobs.append(s.id, req.headers["upload-offset"], req.body as Readable, MAX_UPLOAD_BYTES);
          if (offsetBytes === req.headers["upload-offset"]) throw noBody(); // an empty chunked body
          await sessions.touch(s.id, offsetBytes, ctx.now());
          return { id: s.id, offsetBytes };
        } finally {
          busy.delete(s.id);
        }
      },
    );

    app.delete(
      "/api/v1/uploads/:id",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Abandon an upload and discard its bytes",
          params: z.object({ id: z.string() }),
          response: { 204: z.null() },
        },
      },
      async (req, reply) => {
        const p = requireRole(req, "user");
        const s = await sessions.owned(req.params.id, p.user);
        if (busy.has(s.id)) throw new AidcError("OFFSET_MISMATCH", `Upload ${s.id} is receiving a PATCH; retry when it is done`);
        await sessions.end(s.id);
        ctx.blobs.discardUpload(s.id);
        return reply.status(204).send(null);
      },
    );
  };
}
