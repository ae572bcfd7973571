export { main, buildProgram, EXIT } from "./main.js";
export type { Io } from "./output.js";
