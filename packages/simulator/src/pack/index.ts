export { PackCluster, type PackNodeSpec } from "./cluster.js";
export { runPackSeed, type PackPodRecord, type PackSeedResult } from "./run.js";
export { runPack, summarizePack, type PackOptions, type PackSummary } from "./summary.js";
