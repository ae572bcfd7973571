import type { Cluster } from "@aidc/core";
import type { NodeStore } from "../port.js";
import type { SqliteDb } from "./db.js";

/** The cluster the server runs on and the nodes taken out of scheduling, in the SQLite file. */
export class SqliteNodeStore implements NodeStore {
  constructor(private readonly s: SqliteDb) {}

  async saveCluster(cluster: Cluster, source: string, atMs: number): Promise<void> {
    this.s.transaction(() => {
      this.s
        .prepare(
          "INSERT INTO clusters (name, spec, source, loaded_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, source = excluded.source, loaded_at_ms = excluded.loaded_at_ms",
        )
        .run(cluster.name, JSON.stringify(cluster), source, atMs);
      this.s.insertEvent(atMs, "cluster.loaded", `cluster/${cluster.name}`, { source });
    });
  }

  async cordons(): Promise<Map<string, string>> {
    const rows = this.s.prepare("SELECT node, reason FROM node_cordons").all() as { node: string; reason: string }[];
    return new Map(rows.map((r) => [r.node, r.reason]));
  }

  async setCordon(node: string, reason: string | undefined, atMs: number): Promise<void> {
    this.s.transaction(() => {
      if (reason === undefined) this.s.prepare("DELETE FROM node_cordons WHERE node = ?").run(node);
      else
        this.s
          .prepare(
            "INSERT INTO node_cordons (node, reason, at_ms) VALUES (?, ?, ?) ON CONFLICT(node) DO UPDATE SET reason = excluded.reason",
          )
          .run(node, reason, atMs);
      this.s.insertEvent(
        atMs,
        reason === undefined ? "node.uncordoned" : "node.cordoned",
        `node/${node}`,
        reason === undefined ? {} : { reason },
      );
    });
  }
}
