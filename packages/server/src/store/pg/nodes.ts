import type { Cluster } from "@aidc/core";
import type { NodeStore } from "../port.js";
import type { PgDb } from "./db.js";
import { insertEventPg } from "./events.js";

/** The cluster the server runs on and the nodes taken out of scheduling, in PostgreSQL. */
export class PgNodeStore implements NodeStore {
  constructor(private readonly db: PgDb) {}

  async saveCluster(cluster: Cluster, source: string, atMs: number): Promise<void> {
    await this.db.tx(async (sql) => {
      await sql.query(
        `INSERT INTO clusters (name, spec, source, loaded_at_ms) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec, source = EXCLUDED.source, loaded_at_ms = EXCLUDED.loaded_at_ms`,
        [cluster.name, JSON.stringify(cluster), source, atMs],
      );
      await insertEventPg(sql, atMs, "cluster.loaded", `cluster/${cluster.name}`, { source });
    });
  }

  async cordons(): Promise<Map<string, string>> {
    const rows = await this.db.query<{ node: string; reason: string }>("SELECT node, reason FROM node_cordons", [], "aidc_cordons");
    return new Map(rows.map((r) => [r.node, r.reason]));
  }

  async setCordon(node: string, reason: string | undefined, atMs: number): Promise<void> {
    await this.db.tx(async (sql) => {
      if (reason === undefined) await sql.query("DELETE FROM node_cordons WHERE node = $1", [node]);
      else
        await sql.query(
          "INSERT INTO node_cordons (node, reason, at_ms) VALUES ($1, $2, $3) ON CONFLICT (node) DO UPDATE SET reason = EXCLUDED.reason",
          [node, reason, atMs],
        );
      await insertEventPg(
        sql,
        atMs,
        reason === undefined ? "node.uncordoned" : "node.cordoned",
        `node/${node}`,
        reason === undefined ? {} : { reason },
      );
    });
  }
}
