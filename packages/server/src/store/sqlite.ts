import { MIGRATIONS, type Migration } from "./migrations.js";
import type { ArtifactStores } from "./port-artifacts.js";
import type { EventStore, JobStore, LeaseStore, NodeStore, Store, TokenStore } from "./port.js";
import { SqliteDb } from "./sqlite/db.js";
import { SqliteEventStore } from "./sqlite/events.js";
import { SqliteJobStore } from "./sqlite/jobs.js";
import { SqliteLeaseStore } from "./sqlite/leases.js";
import { SqliteNodeStore } from "./sqlite/nodes.js";
import { SqliteTokenStore } from "./sqlite/tokens.js";
import { sqliteArtifactStores } from "./sqlite/artifacts-area.js";
import { sqliteGovernanceStores } from "./sqlite/governance.js";
import { SqliteDataKeyStore } from "./sqlite/data-keys.js";
import type { DataKeyStore } from "./port-keys.js";
import type { GovernanceStores } from "./port-governance.js";

export type { StoredEvent } from "./port.js";
export { SqliteDb } from "./sqlite/db.js";

/**
 * The embedded store: one SQLite file in WAL mode (store/sqlite/db.ts) and the repositories of each
 * area over it. Every state change runs in one transaction together with the event row that records it.
 */
export class SqliteStore implements Store {
  readonly backend = "sqlite" as const;
  /** The file and its prepared statements, for the SQLite repositories (and tests that inspect the file). */
  readonly sqlite: SqliteDb;
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

  private constructor(sqlite: SqliteDb) {
    this.sqlite = sqlite;
    this.jobs = new SqliteJobStore(sqlite);
    this.events = new SqliteEventStore(sqlite);
    this.tokens = new SqliteTokenStore(sqlite);
    this.nodes = new SqliteNodeStore(sqlite);
    this.leases = new SqliteLeaseStore(sqlite);
    const area = sqliteArtifactStores(sqlite);
    this.artifacts = area.artifacts;
    this.projects = area.projects;
    this.uploads = area.uploads;
    this.served = area.served;
    this.publicModels = area.publicModels;
    this.governance = sqliteGovernanceStores(sqlite);
    this.dataKeys = new SqliteDataKeyStore(sqlite);
  }

  /** Open (creating the file and its folder when missing) and migrate. Synchronous: SQLite opens in place. */
  static open(path: string, migrations: readonly Migration[] = MIGRATIONS): SqliteStore {
    return new SqliteStore(SqliteDb.open(path, migrations));
  }

  /** The file's path. */
  get path(): string {
    return this.sqlite.path;
  }

  get location(): string {
    return `sqlite:${this.sqlite.path}`;
  }

  async appliedVersions(): Promise<number[]> {
    return this.sqlite.appliedVersions();
  }

  async ping(): Promise<boolean> {
    try {
      return (this.sqlite.prepare("SELECT 1 AS one").get() as { one: number }).one === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.sqlite.close();
  }
}
