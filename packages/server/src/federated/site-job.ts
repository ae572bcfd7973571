/**
 * The contract between the coordinator and a site job (`aidc federated site`, run as workload federated-site): the
 * files the coordinator copies into the job's work dir before it starts, and the only two files it takes back.
 */
export const SITE_WORKLOAD = "federated-site";
export const SITE_INPUTS = {
  config: "inputs/federated.json",
  global: "inputs/federated-global.bin",
  key: "inputs/federated-site.key",
} as const;
export const SITE_OUTPUTS = { message: "federated-update.bin", report: "federated-report.json" } as const;
/** Largest message a site may hand back: a dense counts vector of 2^22 buckets. */
export const MAX_MESSAGE_BYTES = 28 + 8 * (2 * 2 ** 22 + 2);
