import type { Migration } from "../migrations.js";
import type { ArtifactStores } from "../port-artifacts.js";
import type { EventStore, JobStore, LeaseStore, NodeStore, Store, TokenStore } from "../port.js";
import { connectPg, PgDb } from "./db.js";
import { PgEventStore } from "./events.js";
import { PgJobStore } from "./jobs.js";
import { PgLeaseStore } from "./leases.js";
import { PgNodeStore } from "./nodes.js";
import { PgTokenStore } from "./tokens.js";
import { appliedVersionsPg, migratePg } from "./migrate.js";
import { PG_MIGRATIONS } from "./migrations.js";
import { pgArtifactStores } from "./artifacts-area.js";
import { pgGovernanceStores } from "./governance.js";
import { PgDataKeyStore } from "./data-keys.js";
import type { DataKeyStore } from "../port-keys.js";
import type { GovernanceStores } from "../port-governance.js";

export interface PgStoreOptions {
  /** Shown in pg_stat_activity as application_name `aidc:<replicaId>`. */
  readonly replicaId?: string;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  readonly migrations?: readonly Migration[];
}

/** The store on a shared PostgreSQL database: the repositories of each area over one pool. */
export class PgStore implements Store {
  readonly backend = "postgres" as const;
  readonly location: string;
  readonly jobs: JobStore;
  readonly events: EventStore;
  readonly tokens: TokenStore;
  readonly nodes: NodeStore;
  readonly leases: LeaseStore;
  readonly artifacts: ArtifactStores["artifacts"];
  readonly projects: ArtifactStores["projects"];
  readonly uploads: ArtifactStores["uploads"];
  readonly served: ArtifactStores["served"];
  readonly publicModels: ArtifactStores["publicModels"];
  readonly governance: GovernanceStores;
  readonly dataKeys: DataKeyStore;
  private closed = false;

  /** `leaseDb`: the elector's own small pool, so renewals never wait behind API requests in the main one. */
  private constructor(
    readonly db: PgDb,
    private readonly leaseDb: PgDb = db,
  ) {
    this.location = db.location;
    this.jobs = new PgJobStore(db);
    this.events = new PgEventStore(db);
    this.tokens = new PgTokenStore(db);
    this.nodes = new PgNodeStore(db);
    this.leases = new PgLeaseStore(leaseDb);
    const area = pgArtifactStores(db);
    this.artifacts = area.artifacts;
    this.projects = area.projects;
    this.uploads = area.uploads;
    this.served = area.served;
    this.publicModels = area.publicModels;
    this.governance = pgGovernanceStores(db);
    this.dataKeys = new PgDataKeyStore(db);
  }

  /** Connect, migrate (under the migration lock) and compose the repositories. */
  static async open(url: string, o: PgStoreOptions = {}): Promise<PgStore> {
    const db = await connectPg(url, {
      max: o.maxConnections ?? 10,
      applicationName: o.replicaId === undefined ? "aidc" : `aidc:${o.replicaId}`.slice(0, 63),
    });
    try {
      await migratePg(db, o.migrations ?? PG_MIGRATIONS);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    const name = o.replicaId === undefined ? "aidc:leases" : `aidc:${o.replicaId}:leases`.slice(0, 63);
    return new PgStore(db, new PgDb(url, { max: 2, applicationName: name }));
  }

  appliedVersions(): Promise<number[]> {
    return appliedVersionsPg(this.db);
  }

  async ping(): Promise<boolean> {
    try {
      const rows = await this.db.query<{ one: number }>("SELECT 1 AS one", [], "aidc_ping");
      return rows[0]?.one === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.leaseDb !== this.db) await this.leaseDb.close();
    await this.db.close();
  }
}
