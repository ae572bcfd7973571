import { z } from "zod";

export const API_VERSION = "aidc/v1" as const;
export const apiVersion = z.literal(API_VERSION);

/** Lower-case kebab identifiers used for catalog items and references to them. */
export const catalogId = z
  .string()
  .regex(/^[a-z0-9]+(?:[-.][a-z0-9]+)*$/, "must be lower-case letters, digits, '-' or '.' (e.g. h100-sxm5-80gb)");

/** Names of user objects (clusters, nodes, queues, jobs). */
export const objectName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must start with a letter or digit and contain only letters, digits, '_', '.' or '-'");

export const positive = z.number().positive();
export const nonNegative = z.number().nonnegative();
export const count = z.number().int().nonnegative();
export const positiveCount = z.number().int().positive();
export const labels = z.record(z.string(), z.string());

/**
 * Where the numbers of a catalog item come from. `fields` lists the dotted paths the source
 * supports; a trailing `.*` covers a whole object and `*` covers every number in the item.
 */
export const Source = z.strictObject({
  title: z.string().min(1),
  url: z.string().optional(),
  fields: z.array(z.string().min(1)).min(1),
  note: z.string().optional(),
});
export type Source = z.infer<typeof Source>;

/** Fields shared by every catalog item. */
export const catalogItemBase = {
  apiVersion,
  id: catalogId,
  name: z.string().min(1),
  aliases: z.array(z.string().min(1)).default([]),
  description: z.string().optional(),
  sources: z.array(Source).min(1),
};
