import { expect, it } from "vitest";
import { describeStores } from "./harness.testing.js";

describeStores("EventStore", (open) => {
  it("lists events newest first, by subject, and pages back with beforeId", async () => {
    const { events } = await open();
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await events.insert(1000 + i, "thing.happened", i % 3 === 0 ? "job/a" : "job/b", { i }));
    expect([...ids].sort((x, y) => x - y)).toEqual(ids); // ids grow with insertion
    const newest = await events.list(5);
    expect(newest.map((e) => e.id)).toEqual(ids.slice(-5).reverse());
    expect(newest[0]).toEqual({ id: ids[11], atMs: 1011, type: "thing.happened", subject: "job/b", data: { i: 11 } });
    // page back: each event exactly once, newest to oldest
    const seen: number[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = await events.list(5, beforeId === undefined ? {} : { beforeId });
      seen.push(...page.map((e) => e.id));
      if (page.length < 5) break;
      beforeId = page.at(-1)?.id;
    }
    expect(seen).toEqual([...ids].reverse());
    const a = await events.list(100, { subject: "job/a" });
    expect(a.map((e) => e.data["i"])).toEqual([9, 6, 3, 0]);
    expect((await events.list(100, { subject: "job/a", beforeId: ids[6] })).map((e) => e.data["i"])).toEqual([3, 0]);
    expect(await events.list(100, { subject: "job/none" })).toEqual([]);
  });

  it("keeps an event's data as written, and defaults it to {}", async () => {
    const { events } = await open();
    await events.insert(1, "a", "s", { nested: { list: [1, "two", null] }, flag: true });
    await events.insert(2, "b", "s");
    const [b, a] = await events.list(2);
    expect(a?.data).toEqual({ nested: { list: [1, "two", null] }, flag: true });
    expect(b?.data).toEqual({});
  });
});
