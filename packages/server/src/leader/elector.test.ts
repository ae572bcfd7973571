import { afterEach, expect, it } from "vitest";
import type { Fence, Store } from "../store/port.js";
import { describeStores } from "../store/contract/harness.testing.js";
import { LeaderElector, REPLICA_PREFIX, SCHEDULER_LEASE, type ElectorOptions } from "./elector.js";
import { guardExecutor } from "./guarded-executor.js";
import { SimExecutor } from "../executors/sim.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Seen {
  readonly elector: LeaderElector;
  readonly elected: Fence[];
  readonly demoted: { fence: Fence; reason: string }[];
}

const running: LeaderElector[] = [];
afterEach(async () => {
  for (const e of running.splice(0)) await e.stop();
});

function elector(store: Store, replicaId: string, o: Partial<ElectorOptions> = {}): Seen {
  const elected: Fence[] = [];
  const demoted: { fence: Fence; reason: string }[] = [];
  const e = new LeaderElector({
    leases: store.leases,
    replicaId,
    ttlMs: 1000,
    renewMs: 200,
    retryMs: 50,
    onElected: (f) => void elected.push(f),
    onDemoted: (fence, reason) => void demoted.push({ fence, reason }),
    ...o,
  });
  running.push(e);
  e.start();
  return { elector: e, elected, demoted };
}

describeStores("leader elector", (open, kit) => {
  it("of two replicas on one store exactly one leads; when it stops, the other takes over with a larger token", async () => {
    const url = await kit.freshUrl();
    const [s1, s2] = [await kit.openUrl(url), await kit.openUrl(url)];
    const a = elector(s1, "a");
    const b = elector(s2, "b");
    await until("a leader", () => a.elector.isLeader() || b.elector.isLeader());
    await sleep(400); // several renewals and retries: still one leader
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.elector.isLeader() ? [a, b] : [b, a];
    expect(leader.elected).toHaveLength(1);
    expect(follower.elected).toHaveLength(0);
    const first = leader.elected[0] as Fence;
    expect((await s1.leases.current(SCHEDULER_LEASE))?.holder).toBe(first.holder);

    await leader.elector.stop(); // releases: no wait for the expiry
    expect(leader.demoted).toEqual([{ fence: first, reason: "stopping" }]);
    await until("the takeover", () => follower.elector.isLeader(), 2000);
    expect(follower.elected[0]?.token).toBeGreaterThan(first.token);
    expect(() => leader.elector.assertLeading(first)).toThrow(/no longer holds/);
  });

  it("a leader whose lease was taken is demoted at its next renewal and its executor guard refuses to act", async () => {
    const store = await open();
    const a = elector(store, "a");
    await until("a leads", () => a.elector.isLeader());
    const fence = a.elected[0] as Fence;
    const exec = guardExecutor(new SimExecutor({ runsDir: join(mkdtempSync(join(tmpdir(), "aidc-guard-")), "runs") }), () =>
      a.elector.assertLeading(fence),
    );
    expect(await exec.status([])).toEqual([]);
    // another replica takes the lease behind a's back (as after a's lease expired during a pause)
    await store.leases.release(fence);
    const x = await store.leases.acquire(SCHEDULER_LEASE, "x", 60_000);
    expect(x?.token).toBe(fence.token + 1);
    await until("a is demoted", () => a.demoted.length === 1);
    expect(a.demoted[0]?.reason).toBe("the lease was lost");
    expect(a.elector.isLeader()).toBe(false);
    await expect(exec.cancel("r1")).rejects.toMatchObject({ code: "FENCED" });
    await sleep(300); // a keeps trying but x holds the lease
    expect(a.elected).toHaveLength(1);
  });

  it("a leader paused longer than its lease stops acting at once when it resumes; nobody took the lease, so its term goes on", async () => {
    const store = await open();
    const a = elector(store, "a");
    await until("a leads", () => a.elector.isLeader());
    const fence = a.elected[0] as Fence;
    // the event loop stands still for longer than the lease, as under SIGSTOP … SIGCONT: no timer can renew
    const end = performance.now() + 1200;
    while (performance.now() < end) {
      // busy
    }
    expect(a.elector.isLeader()).toBe(false);
    expect(() => a.elector.assertLeading(fence)).toThrow(/no longer holds/);
    // the next renewal finds the lease still its own (expired, not taken): the same term, the same token
    await until("a acts again", () => a.elector.isLeader());
    expect(() => a.elector.assertLeading(fence)).not.toThrow();
    expect(a.elected).toHaveLength(1);
    expect(a.demoted).toHaveLength(0);
  });

  it("every replica keeps a heartbeat lease that lists it", async () => {
    const url = await kit.freshUrl();
    elector(await kit.openUrl(url), "r1");
    const s2 = await kit.openUrl(url);
    elector(s2, "r2");
    await sleep(200);
    const beats = await s2.leases.list(REPLICA_PREFIX);
    expect(beats.map((b) => b.holder)).toEqual(["r1", "r2"]);
  });
});
