import { expect, it } from "vitest";
import { Cluster } from "@aidc/core";
import { describeStores } from "./harness.testing.js";

describeStores("NodeStore", (open, kit) => {
  it("cordons and uncordons nodes, each with its event", async () => {
    const store = await open();
    expect(await store.nodes.cordons()).toEqual(new Map());
    await store.nodes.setCordon("n1", "disk failing", 10);
    await store.nodes.setCordon("n2", "maintenance", 11);
    await store.nodes.setCordon("n1", "disk replaced, burn-in", 12); // a new reason replaces the old
    expect(await store.nodes.cordons()).toEqual(
      new Map([
        ["n1", "disk replaced, burn-in"],
        ["n2", "maintenance"],
      ]),
    );
    await store.nodes.setCordon("n2", undefined, 13);
    await store.nodes.setCordon("n3", undefined, 14); // uncordoning a node that was not cordoned is no error
    expect(await store.nodes.cordons()).toEqual(new Map([["n1", "disk replaced, burn-in"]]));
    const n1 = await store.events.list(10, { subject: "node/n1" });
    expect(n1.map((e) => [e.type, e.data])).toEqual([
      ["node.cordoned", { reason: "disk replaced, burn-in" }],
      ["node.cordoned", { reason: "disk failing" }],
    ]);
    expect((await store.events.list(10, { subject: "node/n2" })).map((e) => e.type)).toEqual(["node.uncordoned", "node.cordoned"]);
  });

  it("cordons are shared by replicas of one store", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url);
    const b = await kit.openUrl(url);
    await a.nodes.setCordon("n9", "flaky NIC", 1);
    expect((await b.nodes.cordons()).get("n9")).toBe("flaky NIC");
  });

  it("records the cluster each time it is loaded, with an event", async () => {
    const store = await open();
    const cluster = Cluster.parse({
      apiVersion: "aidc/v1",
      kind: "Cluster",
      name: "lab",
      racks: [{ name: "r1", nodes: [{ name: "n", count: 2, accelerator: "h100", gpus: 8, cpus: 112, memoryGiB: 2048 }] }],
    });
    await store.nodes.saveCluster(cluster, "local", 100);
    await store.nodes.saveCluster(cluster, "file:cluster.yaml", 200); // loading again replaces the record
    const events = await store.events.list(10, { subject: `cluster/${cluster.name}` });
    expect(events.map((e) => [e.type, e.atMs, e.data])).toEqual([
      ["cluster.loaded", 200, { source: "file:cluster.yaml" }],
      ["cluster.loaded", 100, { source: "local" }],
    ]);
  });
});
