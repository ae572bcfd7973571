export * from "./types.js";
export * from "./idle-gpus.js";
export * from "./fragmentation.js";
export * from "./queue-imbalance.js";
export * from "./gpu-type.js";
export * from "./storage.js";
export * from "./policy.js";
export * from "./recommend.js";
