export { SEED_DEFAULTS, buildSeedNetwork, serializeNetwork, deserializeNetwork, type SeedHyper } from "./network.js";
export { trainSeed, predictPadded, type SeedEpochReport, type SeedProgress, type SeedTrainResult } from "./train.js";
export { SeedModel } from "./model.js";
export { registerScatterAdd, scatterAddKernel } from "./kernel.js";
export { useWasm, tf } from "./backend.js";
