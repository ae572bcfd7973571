import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { SqliteStore } from "../store/sqlite.js";
import { parseSlurmNodes, type SlurmNode } from "./slurm-cluster.js";
import { localCluster } from "../main.js";
import { loadSlurmCluster, readSlurmNodes, slurmCommand, slurmForServe, SlurmNodeSync } from "./slurm-sync.js";

const stores: SqliteStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});
const openStore = (): SqliteStore => {
  const s = SqliteStore.open(join(mkdtempSync(join(tmpdir(), "aidc-slurm-sync-")), "aidc.db"));
  stores.push(s);
  return s;
};
const slurmNode = (name: string, state: string, flags: string[] = [], reason = ""): SlurmNode =>
  parseSlurmNodes(
    JSON.stringify({
      nodes: [{ name, cpus: 8, real_memory: 1024, gres: "", state, state_flags: flags, reason, reason_set_by_user: "root" }],
    }),
  )[0] as SlurmNode;

describe("keeping cordons in step with Slurm's node states", () => {
  it("cordons a drained node with Slurm's reason, lifts it when Slurm takes the node back, and pokes the loop each time", async () => {
    const store = openStore();
    let slurm = [slurmNode("n1", "idle"), slurmNode("n2", "mixed", ["DRAIN"], "bad fan")];
    let pokes = 0;
    const sync = new SlurmNodeSync({
      nodes: store.nodes,
      known: ["n1", "n2"],
      read: async () => slurm,
      now: () => 1000,
      onChange: () => pokes++,
    });
    expect(await sync.syncOnce()).toEqual({ cordoned: ["n2"], uncordoned: [] });
    expect(await store.nodes.cordons()).toEqual(new Map([["n2", "slurm: drain: bad fan (root)"]]));
    expect(await sync.syncOnce()).toEqual({ cordoned: [], uncordoned: [] });
    slurm = [slurmNode("n1", "idle"), slurmNode("n2", "down", [], "power")];
    expect(await sync.syncOnce()).toEqual({ cordoned: ["n2"], uncordoned: [] });
    expect((await store.nodes.cordons()).get("n2")).toBe("slurm: down: power (root)");
    slurm = [slurmNode("n1", "idle"), slurmNode("n2", "idle")];
    expect(await sync.syncOnce()).toEqual({ cordoned: [], uncordoned: ["n2"] });
    expect((await store.nodes.cordons()).size).toBe(0);
    expect(pokes).toBe(3);
    const events = (await store.events.list(10, { subject: "node/n2" })).map((e) => e.type);
    expect(events).toEqual(["node.uncordoned", "node.cordoned", "node.cordoned"]);
  });

  it("never changes a cordon a person set, cordons a node gone from Slurm, and reports a new one once", async () => {
    const store = openStore();
    await store.nodes.setCordon("n1", "disk swap (alice)", 1);
    const warnings: string[] = [];
    const slurm = [slurmNode("n1", "idle"), slurmNode("n9", "idle")];
    const sync = new SlurmNodeSync({
      nodes: store.nodes,
      known: ["n1", "n2"],
      read: async () => slurm,
      now: () => 2,
      warn: (m) => warnings.push(m),
    });
    await sync.syncOnce();
    await sync.syncOnce();
    expect(await store.nodes.cordons()).toEqual(
      new Map([
        ["n1", "disk swap (alice)"],
        ["n2", "slurm: the node is no longer in Slurm"],
      ]),
    );
    expect(warnings).toEqual(["Slurm has a node n9 that aidc's cluster model lacks; restart aidc serve to schedule on it"]);
  });

  it("changes nothing when Slurm does not answer", async () => {
    const store = openStore();
    await store.nodes.setCordon("n1", "slurm: drain: x", 1);
    const sync = new SlurmNodeSync({
      nodes: store.nodes,
      known: ["n1"],
      read: () => Promise.reject(new Error("slurmctld down")),
      now: () => 2,
    });
    await expect(sync.syncOnce()).rejects.toThrow(/slurmctld down/);
    expect((await store.nodes.cordons()).get("n1")).toBe("slurm: drain: x");
  });
});

function slurmNodes(): string[] {
  try {
    return [
      ...new Set(
        execFileSync("sinfo", ["-h", "-N", "-o", "%N"], { encoding: "utf8", stdio: "pipe", timeout: 5000 })
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean),
      ),
    ].sort();
  } catch {
    return [];
  }
}
// The real Slurm of ../shared/scripts/slurm-dev.sh (.ci/run starts it with SLURM_DEV_NODES=2).
const nodes = slurmNodes();
if (nodes.length === 0 && process.env["CI"])
  throw new Error("CI must read the cluster from the real Slurm (bash ../shared/scripts/slurm-dev.sh up)");
const skip = nodes.length < 2;
const why = nodes.length === 0 ? "no Slurm reachable here (sinfo)" : "Slurm has one node; this test drains one of two (SLURM_DEV_NODES=2)";
describe("the cluster read from the real Slurm", { skip, meta: skip ? { skipReason: why } : {} }, () => {
  const run = slurmCommand();
  it("has Slurm's nodes with CPUs, memory and GPUs by gres type, and its partitions", async () => {
    const { model, spec, warnings } = await loadSlurmCluster(run, defaultCatalog());
    const sinfo = execFileSync("sinfo", ["-h", "-N", "-o", "%N|%c|%m|%G|%R"], { encoding: "utf8" }).trim().split("\n");
    for (const line of sinfo) {
      const [name = "", cpus, memMb, gres = "", part = ""] = line.split("|");
      const node = model.nodes.find((n) => n.name === name);
      expect(node).toMatchObject({ cpus: Number(cpus), memoryGiB: Number(memMb) / 1024 });
      const gpus = /gpu:(?:[^:,]+:)?(\d+)/.exec(gres)?.[1];
      expect(node?.gpus).toBe(Number(gpus ?? 0));
      expect(node?.labels[`slurm.partition/${part}`]).toBe("yes");
    }
    expect(model.nodes.map((n) => n.name).sort()).toEqual(nodes);
    expect(model.totals.gpus).toBeGreaterThan(0); // slurm-dev gives every node fake GPUs (SLURM_DEV_GPUS=4)
    expect(spec.kind).toBe("Cluster");
    expect(warnings).toEqual([]);
  });

  it("a node drained in Slurm is cordoned with Slurm's reason, and uncordoned when resumed", async () => {
    const store = openStore();
    const target = nodes[nodes.length - 1] ?? "";
    const sync = new SlurmNodeSync({ nodes: store.nodes, known: nodes, read: () => readSlurmNodes(run), now: () => Date.now() });
    const reason = `aidc test ${process.pid}`;
    try {
      execFileSync("scontrol", ["update", `nodename=${target}`, "state=drain", `reason=${reason}`]);
      expect((await sync.syncOnce()).cordoned).toEqual([target]);
      expect((await store.nodes.cordons()).get(target)).toMatch(new RegExp(`^slurm: drain\\S*: ${reason} \\(\\w+\\)$`));
    } finally {
      execFileSync("scontrol", ["update", `nodename=${target}`, "state=resume"]);
    }
    // right after a resume, Slurm may show the node as not responding for a moment
    let result = await sync.syncOnce();
    for (let i = 0; i < 40 && result.uncordoned.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 250));
      result = await sync.syncOnce();
    }
    expect(result.uncordoned).toEqual([target]);
    expect((await store.nodes.cordons()).has(target)).toBe(false);
  }, 30_000);

  it("serve without a cluster file takes Slurm's model and places jobs; with a file of other nodes, Slurm chooses (with a warning)", async () => {
    const own = await slurmForServe(defaultCatalog(), undefined);
    expect(own.cluster?.model.nodes.map((n) => n.name).sort()).toEqual(nodes);
    expect(own.executor.usePlacement).toBe(true);
    expect(own.executor.partitionsOf(nodes[0] ?? "").length).toBeGreaterThan(0);
    const other = await slurmForServe(defaultCatalog(), localCluster());
    expect(other.cluster).toBeUndefined();
    expect(other.executor.usePlacement).toBe(false);
    expect(other.warnings.join("\n")).toMatch(/are not Slurm nodes: Slurm chooses where jobs run/);
    expect(other.startSync({ nodes: openStore().nodes, now: () => 0 })).toBeUndefined();
  });

  it("with serve's --slurm-partition, the model has only that partition's nodes; an unknown partition is refused", async () => {
    const [first] = parsePartitionsOf(execFileSync("scontrol", ["show", "partition", "--oneliner"], { encoding: "utf8" }));
    const { model } = await loadSlurmCluster(run, defaultCatalog(), first);
    expect(model.nodes.length).toBeGreaterThan(0);
    expect(model.nodes.every((n) => n.labels[`slurm.partition/${first ?? ""}`] === "yes")).toBe(true);
    expect(model.partitions.map((p) => p.name)).toEqual([first]);
    await expect(loadSlurmCluster(run, defaultCatalog(), "no-such-partition")).rejects.toThrow(
      /partition "no-such-partition" has no nodes/,
    );
  });
});

const parsePartitionsOf = (text: string): string[] => [...text.matchAll(/PartitionName=(\S+)/g)].map((m) => m[1] ?? "");
