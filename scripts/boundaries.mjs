// The dependency direction of ARCHITECTURE.md, used by eslint.config.js and check-deps.mjs.
//   core <- planner, scheduler <- simulator <- server, cli, console
//   core <- workloads, observability <- server

/** Packages that must stay pure: no node:* modules, no wall clock, no Math.random. */
export const PURE = ["core", "planner", "scheduler", "simulator"];

/** Which workspace packages each package may import. */
export const ALLOWED = {
  core: [],
  planner: ["core"],
  scheduler: ["core"],
  simulator: ["core", "planner", "scheduler"],
  workloads: ["core"],
  observability: ["core"],
  server: ["core", "planner", "scheduler", "simulator", "workloads", "observability"],
  cli: ["core", "planner", "scheduler", "simulator", "server", "workloads", "observability"],
  console: ["core", "planner", "scheduler", "simulator"],
};
