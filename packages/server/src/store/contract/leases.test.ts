import { expect, it } from "vitest";
import { describeStores } from "./harness.testing.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeStores("lease store", (open, kit) => {
  it("gives a free lease to the first caller with token 1 and refuses another holder while it runs", async () => {
    const store = await open();
    const a = await store.leases.acquire("scheduler", "a", 10_000);
    expect(a).toEqual({ lease: "scheduler", holder: "a", token: 1 });
    expect(await store.leases.acquire("scheduler", "b", 10_000)).toBeUndefined();
    const cur = await store.leases.current("scheduler");
    expect(cur).toMatchObject({ lease: "scheduler", holder: "a", token: 1 });
    expect(cur?.expiresAtMs).toBeGreaterThan(Date.now() + 5_000);
    expect(await store.leases.current("other")).toBeUndefined();
  });

  it("acquiring a lease one holds again keeps its token (a renewal, same term)", async () => {
    const store = await open();
    const a1 = await store.leases.acquire("scheduler", "a", 10_000);
    const a2 = await store.leases.acquire("scheduler", "a", 10_000);
    expect(a2?.token).toBe(a1?.token);
  });

  it("an expired lease goes to the next caller with a larger token; the old holder can no longer renew or release it", async () => {
    const store = await open();
    const a = await store.leases.acquire("scheduler", "a", 150);
    if (a === undefined) throw new Error("a did not get the free lease");
    await sleep(250);
    const b = await store.leases.acquire("scheduler", "b", 10_000);
    expect(b?.holder).toBe("b");
    expect(b?.token).toBeGreaterThan(a.token);
    expect(await store.leases.renew(a, 10_000)).toBe(false);
    await store.leases.release(a); // a no-op: b keeps it
    expect((await store.leases.current("scheduler"))?.holder).toBe("b");
    expect(await store.leases.acquire("scheduler", "a", 10_000)).toBeUndefined();
  });

  it("renew extends a held lease, also one that expired but nobody took (same term); a taken one is lost", async () => {
    const store = await open();
    const a = await store.leases.acquire("scheduler", "a", 300);
    if (a === undefined) throw new Error("no lease");
    const before = (await store.leases.current("scheduler"))?.expiresAtMs ?? 0;
    await sleep(20);
    expect(await store.leases.renew(a, 10_000)).toBe(true);
    expect((await store.leases.current("scheduler"))?.expiresAtMs).toBeGreaterThan(before);
    const c = await store.leases.acquire("short", "a", 100);
    if (c === undefined) throw new Error("no lease");
    await sleep(200);
    expect(await store.leases.renew(c, 10_000)).toBe(true);
    expect((await store.leases.current("short"))?.token).toBe(c.token);
    const d = await store.leases.acquire("taken", "a", 100);
    if (d === undefined) throw new Error("no lease");
    await sleep(200);
    expect((await store.leases.acquire("taken", "b", 10_000))?.token).toBe(d.token + 1);
    expect(await store.leases.renew(d, 10_000)).toBe(false);
  });

  it("release lets a follower take over at once, with a new token; it records acquisitions as events", async () => {
    const store = await open();
    const a = await store.leases.acquire("scheduler", "a", 60_000);
    if (a === undefined) throw new Error("no lease");
    await store.leases.release(a);
    const b = await store.leases.acquire("scheduler", "b", 60_000);
    expect(b).toEqual({ lease: "scheduler", holder: "b", token: a.token + 1 });
    const events = await store.events.list(10, { subject: "lease/scheduler" });
    expect(events.map((e) => e.type)).toEqual(["lease.acquired", "lease.released", "lease.acquired"]);
    expect(events[0]?.data).toMatchObject({ holder: "b", token: a.token + 1, previous: "a" });
  });

  it("lists leases by name prefix", async () => {
    const store = await open();
    await store.leases.acquire("replica/r2", "r2", 10_000);
    await store.leases.acquire("replica/r1", "r1", 10_000);
    await store.leases.acquire("scheduler", "r1", 10_000);
    expect((await store.leases.list("replica/")).map((l) => l.holder)).toEqual(["r1", "r2"]);
    expect(await store.leases.list("nothing/")).toEqual([]);
  });

  it("of many replicas racing for a free lease (two stores on one database), exactly one wins", async () => {
    const url = await kit.freshUrl();
    const s1 = await kit.openUrl(url);
    const s2 = await kit.openUrl(url);
    const tries = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? s1 : s2).leases.acquire("scheduler", `r${i}`, 10_000));
    const won = (await Promise.all(tries)).filter((f) => f !== undefined);
    expect(won).toHaveLength(1);
    expect((await s2.leases.current("scheduler"))?.holder).toBe(won[0]?.holder);
  });
});
