export * from "./split.js";
export * from "./secagg.js";
export * from "./messages.js";
export * from "./dp.js";
export * from "./fedavg.js";
export * from "./protocol.js";
export * from "./simulate.js";
export * from "./site-step.js";
