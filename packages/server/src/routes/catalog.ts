import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { CATALOG_KINDS, NotFoundError, lookupMessage, type CatalogKind, type CatalogSection } from "@aidc/core";
import type { ServerContext } from "../context.js";

const SECTIONS = Object.values(CATALOG_KINDS).map((k) => k.section) as [CatalogSection, ...CatalogSection[]];
const KIND_OF = Object.fromEntries(Object.entries(CATALOG_KINDS).map(([kind, v]) => [v.section, kind])) as Record<
  CatalogSection,
  CatalogKind
>;
const Item = z.record(z.string(), z.unknown());

export function catalogRoutes(ctx: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/catalog",
      {
        schema: {
          tags: ["catalog"],
          summary: "Catalog sections and their sizes",
          response: { 200: z.object({ sections: z.record(z.string(), z.number()) }) },
        },
      },
      async () => ({ sections: Object.fromEntries(SECTIONS.map((s) => [s, ctx.catalog.section(s).length])) }),
    );

    app.get(
      "/api/v1/catalog/:section",
      {
        schema: {
          tags: ["catalog"],
          summary: "All items of a section",
          params: z.object({ section: z.enum(SECTIONS) }),
          response: { 200: z.object({ items: z.array(Item) }) },
        },
      },
      async (req) => ({ items: [...ctx.catalog.section(req.params.section)] }),
    );

    app.get(
      "/api/v1/catalog/:section/:name",
      {
        schema: {
          tags: ["catalog"],
          summary: "One item, by id or any alias (e.g. 'h100 sxm')",
          params: z.object({ section: z.enum(SECTIONS), name: z.string().min(1) }),
          response: { 200: Item },
        },
      },
      async (req) => {
        const kind = KIND_OF[req.params.section];
        const r = ctx.catalog.lookup(req.params.name, kind);
        if (!r.found) throw new NotFoundError(lookupMessage(req.params.name, kind, r));
        return r.item;
      },
    );
  };
}
