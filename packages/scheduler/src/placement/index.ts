export * from "./types.js";
export { FragModel, typicalPods } from "./frag.js";
export { chooseGpus, scoreNode, type PlacementContext } from "./scores.js";
