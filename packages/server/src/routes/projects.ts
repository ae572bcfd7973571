import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError, objectName } from "@aidc/core";
import { ForbiddenError, principalOf, requireRole } from "../auth.js";
import { ConflictError, PROJECT_ROLES, type ProjectRepo } from "../artifacts/projects.js";
import type { ServerContext } from "../context.js";

const Member = z.object({ user: z.string(), role: z.enum(PROJECT_ROLES), addedBy: z.string(), addedAtMs: z.number() });
const Project = z.object({
  name: z.string(),
  createdBy: z.string(),
  createdAtMs: z.number(),
  members: z.array(Member).readonly(),
  usedBytes: z.number(),
});
const Params = z.object({ project: objectName });

/** Projects own artifacts and served models; owners manage who else may read or publish (see artifacts/projects.ts). */
export function projectRoutes(ctx: ServerContext, projects: ProjectRepo): FastifyPluginAsyncZod {
  return async (app) => {
    const view = async (name: string) => {
      const p = await projects.get(name);
      if (p === undefined) throw new NotFoundError(`No project "${name}"`);
      return { ...p, usedBytes: await ctx.store.artifacts.usedBytes(name) };
    };

    app.get(
      "/api/v1/projects",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Projects the caller can read, with its role in each",
          response: { 200: z.object({ projects: z.array(z.object({ name: z.string(), role: z.enum(PROJECT_ROLES) })) }) },
        },
      },
      async (req) => ({ projects: await projects.visible(principalOf(req)) }),
    );

    app.post(
      "/api/v1/projects",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Create a project owned by the caller (a project named like another user belongs to that user)",
          body: z.strictObject({ name: objectName }),
          response: { 201: Project },
        },
      },
      async (req, reply) => {
        const p = requireRole(req, "user");
        const name = req.body.name;
        const exists = async () => {
          if (await projects.canRead(p, name)) return new ConflictError(`Project "${name}" already exists`);
          return new ForbiddenError(`Project "${name}" belongs to someone else`);
        };
        if ((await projects.get(name)) !== undefined) throw await exists();
        // another request may create it meanwhile: the claim decides in its own transaction
        if ((await projects.ensurePublishable(p, name, ctx.now())) !== "created") throw await exists();
        return reply.status(201).send(await view(name));
      },
    );

    app.get(
      "/api/v1/projects/:project",
      { schema: { tags: ["artifacts"], summary: "A project and its members", params: Params, response: { 200: Project } } },
      async (req) => {
        await projects.requireRead(principalOf(req), req.params.project, `project "${req.params.project}"`);
        return await view(req.params.project);
      },
    );

    app.post(
      "/api/v1/projects/:project/members",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Add a member or change a member's role: reader, publisher or owner (owners only)",
          params: Params,
          body: z.strictObject({ user: objectName, role: z.enum(PROJECT_ROLES) }),
          response: { 200: Project },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project } = req.params;
        await projects.require(p, project, "owner", "manage members", `project "${project}"`);
        await projects.grant(project, req.body.user, req.body.role, p.user, ctx.now());
        return await view(project);
      },
    );

    app.delete(
      "/api/v1/projects/:project/members/:user",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Remove a member (owners; any member may remove itself)",
          params: Params.extend({ user: objectName }),
          response: { 200: Project },
        },
      },
      async (req) => {
        const p = requireRole(req, "user");
        const { project, user } = req.params;
        if (user === p.user) await projects.requireRead(p, project, `project "${project}"`);
        else await projects.require(p, project, "owner", "manage members", `project "${project}"`);
        await projects.revoke(project, user, p.user, ctx.now());
        return await view(project);
      },
    );

    app.put(
      "/api/v1/projects/:project/quota",
      {
        schema: {
          tags: ["artifacts"],
          summary: "Set a project's storage quota (operators)",
          params: Params,
          body: z.strictObject({ maxBytes: z.number().int().min(0) }),
        },
      },
      async (req) => {
        requireRole(req, "operator");
        await ctx.store.artifacts.setQuota(req.params.project, req.body.maxBytes);
        return {
          project: req.params.project,
          maxBytes: req.body.maxBytes,
          usedBytes: await ctx.store.artifacts.usedBytes(req.params.project),
        };
      },
    );
  };
}
