import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFoundError } from "@aidc/core";
import { principalOf, requireRole } from "../auth.js";
import type { ServerContext } from "../context.js";
import { UnprocessableError } from "../errors.js";
import { FederatedRunSpec, FederatedRunView } from "../federated/spec.js";
import type { FederatedService } from "../federated/service.js";

/**
 * Federated runs: start one (a coordinator that runs one job per site per round), list them, follow one round by
 * round. A caller sees its own runs; operators and admins see all.
 */
export function federatedRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  // only a server on the local executor coordinates federated runs; elsewhere there are none to list or show,
  // and a new one is refused as input this server cannot act on (422), not as a server fault
  const NO_COORDINATOR = "This server runs no federated coordinator (it needs the local executor: aidc serve --executor local)";
  const service = (): FederatedService => {
    if (ctx.federated === undefined)
      throw new UnprocessableError("UNPROCESSABLE", NO_COORDINATOR, [{ code: "unavailable", path: "(server)", message: NO_COORDINATOR }]);
    return ctx.federated;
  };
  return async (app) => {
    app.post(
      "/api/v1/federated/runs",
      {
        schema: {
          tags: ["federated"],
          summary: "Start a federated training run (FedAvg/FedProx of the fast model; optional secure aggregation and DP on updates)",
          body: FederatedRunSpec,
          response: { 201: FederatedRunView, 422: z.object({ error: z.looseObject({ code: z.string(), message: z.string() }) }) },
        },
      },
      async (req, reply) => {
        const p = requireRole(req, "user");
        const run = await service().create(p, req.body);
        ctx.onJobsChanged();
        return reply.status(201).send(run);
      },
    );

    app.get(
      "/api/v1/federated/runs",
      {
        schema: {
          tags: ["federated"],
          summary: "Federated runs, newest first (your own; operators: all)",
          response: { 200: z.object({ runs: z.array(FederatedRunView) }) },
        },
      },
      async (req) => ({ runs: ctx.federated === undefined ? [] : ctx.federated.list(principalOf(req)) }),
    );

    app.get(
      "/api/v1/federated/runs/:id",
      {
        schema: {
          tags: ["federated"],
          summary: "One federated run: its rounds, participants, per-round metrics and bytes each site sent",
          params: z.object({ id: z.string() }),
          response: { 200: FederatedRunView },
        },
      },
      async (req) => {
        if (ctx.federated === undefined) throw new NotFoundError(`No federated run ${req.params.id}`);
        return ctx.federated.get(principalOf(req), req.params.id);
      },
    );
  };
}
