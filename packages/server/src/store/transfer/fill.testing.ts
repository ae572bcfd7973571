import { JobSpec } from "@aidc/core";
import type { Store } from "../port.js";

export interface FillCounts {
  readonly jobs: number;
  readonly artifacts: number;
}

/** A job spec of the smallest valid kind, with a varied queue and priority. */
export function smallSpec(i: number): JobSpec {
  return JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: `job-${i % 97}`,
    queue: i % 3 === 0 ? "research" : "default",
    priority: i % 5,
    tasks: [{}],
    run: { command: "true" },
  });
}

/**
 * Fill a store through the port with every kind of row a server writes: jobs in several states (with
 * idempotency keys, exit codes and placements), their events, tokens, cordons, a lease, projects with
 * members and quotas, artifacts with lineage and a tombstone, an upload session, a served model.
 */
export async function fillStore(store: Store, n: FillCounts, t0 = 1_700_000_000_000): Promise<void> {
  const users = ["alice", "bob", "carol", "dave"];
  for (let i = 0; i < n.jobs; i++) {
    const user = users[i % users.length] ?? "alice";
    const { job } = await store.jobs.submit(smallSpec(i), user, t0 + i, i % 4 === 0 ? `key-${i}` : undefined);
    if (i % 2 === 0) await store.jobs.apply(job.id, "admit", t0 + i + 1);
    if (i % 4 === 0) {
      await store.jobs.apply(job.id, "start", t0 + i + 2, {
        runId: `run-${i}`,
        placement: { tasks: [{ task: "main", replica: 0, node: `n${i % 8}`, gpuIndices: [i % 8] }] },
      });
      await store.jobs.apply(job.id, i % 8 === 0 ? "succeed" : "fail", t0 + i + 3, { exitCode: i % 8 === 0 ? 0 : 3, message: "done" });
    }
  }
  await store.tokens.create("alice", "user", t0);
  await store.tokens.create("ops", "operator", t0);
  await store.nodes.setCordon("n3", "maintenance", t0);
  await store.leases.acquire("scheduler", "replica-a", 60_000);
  const ids: string[] = [];
  for (let i = 0; i < n.artifacts; i++) {
    const project = `p${i % 5}`;
    const a = await store.artifacts.add(
      {
        project,
        name: `set-${i % 7}`,
        kind: i % 3 === 0 ? "model" : "dataset",
        sha256: (i % 10).toString(16).padStart(64, "0"),
        sizeBytes: 1000 + i,
        metadata: { i, note: "ünïcode ✓" },
        parents: ids.length > 0 && i % 4 === 0 ? [ids[ids.length - 1] ?? ""] : [],
        createdBy: users[i % users.length] ?? "alice",
      },
      t0 + i,
      { user: users[i % users.length] ?? "alice", decide: (f) => (f.exists ? "publish" : "create") },
    );
    ids.push(a.id);
  }
  if (ids.length > 2) {
    await store.projects.grant("p0", "erin", "reader", "alice", t0);
    await store.artifacts.setQuota("p1", 10_000_000);
    await store.artifacts.remove(ids[1] ?? "", "bob", t0 + 5);
    await store.uploads.start("upload-1", "alice", t0);
    const model = await store.artifacts.list({ kind: "model" });
    const m = model[0];
    if (m !== undefined)
      await store.served.promote({ name: "sentiment", artifactId: m.id, by: m.createdBy, nowMs: t0, public: true, check: () => undefined });
  }
}
