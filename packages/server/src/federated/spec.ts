import { z } from "zod";
import { objectName } from "@aidc/core";

/** A site's shard: a dataset artifact (`project/name[:version]`, checked and audited when the job starts) or a file path the job reads. */
export const FederatedSiteSpec = z
  .strictObject({
    dataset: z.string().min(1).optional().describe("dataset artifact project/name[:version]; the site job gets a copy (audited)"),
    data: z.string().min(1).optional().describe("a labelled JSONL(.gz) file the site job reads itself (like sentiment-train's data)"),
    queue: objectName.default("default").describe("the queue (partition) the site's jobs run in"),
  })
  .refine((s) => (s.dataset === undefined) !== (s.data === undefined), { message: "give exactly one of dataset or data" });
export type FederatedSiteSpec = z.infer<typeof FederatedSiteSpec>;

export const FederatedRunSpec = z.strictObject({
  name: objectName,
  sites: z.array(FederatedSiteSpec).min(2).max(64),
  rounds: z.number().int().min(1).max(200).default(20),
  siteRate: z.number().gt(0).max(1).default(1).describe("probability a site takes part in a round (Poisson sampling)"),
  secureAggregation: z.boolean().default(false).describe("pairwise masks: the coordinator sees only the sum of the updates"),
  dp: z
    .strictObject({
      clip: z.number().positive(),
      noiseMultiplier: z.number().nonnegative(),
      delta: z.number().gt(0).lt(1).default(1e-5),
    })
    .optional()
    .describe("site-level DP on the updates (DP-FedAvg): clip, Gaussian noise, ε from the RDP accountant"),
  hyper: z
    .strictObject({
      bits: z.number().int().min(10).max(22),
      maxN: z.number().int().min(1).max(3),
      localEpochs: z.number().int().min(1).max(20),
      learningRate: z.number().positive().max(10),
      lrDecay: z.number().nonnegative().max(10),
      mu: z.number().nonnegative().max(100),
      minDf: z.number().int().nonnegative().max(1000),
      seed: z.number().int(),
    })
    .partial()
    .default({}),
  limit: z.number().int().positive().optional().describe("use at most this many rows of each shard"),
  evalDataset: z.string().min(1).optional().describe("a labelled dataset artifact the coordinator scores each round's model on"),
  evalLimit: z.number().int().positive().max(25_000).default(5000),
  project: objectName.optional().describe("where the final model is published (default: the run's user)"),
  resources: z
    .strictObject({ cpus: z.number().positive().default(1), memoryGiB: z.number().positive().default(2) })
    .default({ cpus: 1, memoryGiB: 2 }),
});
export type FederatedRunSpec = z.infer<typeof FederatedRunSpec>;

export const FederatedRoundSchema = z.object({
  round: z.number(),
  participants: z.array(z.number()),
  dropped: z.array(z.number()).optional().describe("sites chosen for the round whose jobs failed (plain rounds carry on without them)"),
  jobs: z.array(z.string()),
  bytesSent: z.array(z.number()).describe("bytes each site sent this round (index = site)"),
  trainLoss: z.number().optional(),
  trainAccuracy: z.number().optional(),
  testAccuracy: z.number().optional(),
  epsilon: z.number().optional(),
  finishedAtMs: z.number(),
});
export type FederatedRound = z.infer<typeof FederatedRoundSchema>;

export const FederatedRunView = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string(),
  status: z.enum(["running", "succeeded", "failed"]),
  message: z.string().optional(),
  createdAtMs: z.number(),
  phase: z.object({ round: z.number(), jobs: z.record(z.string(), z.string()) }),
  sites: z.number(),
  rounds: z.number(),
  secureAggregation: z.boolean(),
  dp: z.object({ clip: z.number(), noiseMultiplier: z.number(), delta: z.number() }).optional(),
  joinBytes: z.array(z.number()),
  history: z.array(FederatedRoundSchema),
  model: z.object({ project: z.string(), name: z.string(), version: z.number(), artifactId: z.string() }).optional(),
});
export type FederatedRunView = z.infer<typeof FederatedRunView>;
