#!/usr/bin/env node
// A scheduling pass of the live loop when pending jobs have dependencies: (a) one job whose
// dependsOn lists 50,000 names, of which the user's F finished jobs exist, (b) P pending jobs with
// 10 dependencies each among F finished jobs of one user. Real SQLite file, the sim executor, the server's SchedulingLoop;
// the pending jobs ask for more GPUs than exist, so the pass resolves dependencies and decides but
// starts nothing. Prints one JSON document with the median pass time of 5 passes after a warm-up.
//   node bench/server-dependencies.mjs [--finished 2000] [--pending 500] [--index]
// --index adds an index on jobs(user, name, submitted_at_ms) first, to measure what it would bring.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolvePolicy } from "../packages/scheduler/dist/index.js";
import { localCluster } from "../packages/server/dist/main.js";
import { SchedulingLoop } from "../packages/server/dist/loop/scheduling.js";
import { SqliteStore } from "../packages/server/dist/store/sqlite.js";
import { SimExecutor } from "../packages/server/dist/executors/sim.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function spec(name, dependsOn = []) {
  return {
    apiVersion: "aidc/v1",
    kind: "Job",
    name,
    user: "alice",
    queue: "default",
    priority: 0,
    tasks: [{ name: "main", replicas: 1, resources: { gpus: 1000, cpus: 1, memoryGiB: 1 } }],
    gang: true,
    preemptible: false,
    dependsOn,
    retries: 0,
    labels: {},
    run: { command: "true", env: {} },
  };
}

function scenario(label, finished, pending) {
  const dir = mkdtempSync(join(tmpdir(), "aidc-bench-deps-"));
  const store = SqliteStore.open(join(dir, "aidc.db"));
  const db = store.sqlite.db;
  if (process.argv.includes("--index")) db.exec("CREATE INDEX jobs_user_name ON jobs(user, name, submitted_at_ms)");
  const insert = db.prepare(
    `INSERT INTO jobs (id, name, user, queue, priority, spec, state, attempts, submitted_at_ms, updated_at_ms)
     VALUES (?, ?, 'alice', 'default', 0, ?, ?, 0, ?, ?)`,
  );
  db.transaction(() => {
    finished.forEach((name, i) => insert.run(`f-${String(i).padStart(7, "0")}`, name, JSON.stringify(spec(name)), "succeeded", i, i));
    pending.forEach((p, i) =>
      insert.run(`p-${String(i).padStart(7, "0")}`, p.name, JSON.stringify(spec(p.name, p.dependsOn)), "pending", 1e7 + i, 1e7 + i),
    );
  })();
  const profile = resolvePolicy("fifo");
  const loop = new SchedulingLoop({
    jobs: store.jobs,
    cordons: async () => new Map(),
    executor: new SimExecutor({ runsDir: join(dir, "runs") }),
    cluster: localCluster(),
    profile: profile.value,
    now: () => 2e7,
    log: quiet,
  });
  return { label, loop, store, finished: finished.length, pending: pending.length };
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const F = arg("finished", 2000);
const P = arg("pending", 500);
const names = (n, prefix = "d") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const scenarios = [
  scenario(`one job, dependsOn of 50,000 names, ${F} of them succeeded`, names(F), [{ name: "big", dependsOn: names(50_000) }]),
  scenario(
    `${P} pending jobs x 10 dependencies among ${F} succeeded jobs`,
    names(F),
    Array.from({ length: P }, (_, i) => ({ name: `w${i}`, dependsOn: Array.from({ length: 10 }, (_, k) => `d${(i * 10 + k) % F}`) })),
  ),
];

const results = [];
for (const s of scenarios) {
  const times = [];
  for (let r = 0; r < 6; r++) {
    const t0 = performance.now();
    await s.loop.tick();
    if (r > 0) times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const why = s.loop.explain(s.label.startsWith("one") ? "p-0000000" : "p-0000001");
  results.push({ scenario: s.label, medianPassMs: Number(times[2].toFixed(1)), reason: why?.reason, message: why?.message?.slice(0, 80) });
  await s.store.close();
}
console.log(
  JSON.stringify({ bench: "server-dependencies", finished: F, pending: P, index: process.argv.includes("--index"), results }, null, 2),
);
