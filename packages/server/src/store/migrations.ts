/**
 * Numbered schema migrations. Append only: a released migration never changes; a new
 * change is a new number. Each runs in its own transaction together with its bookkeeping row.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "events",
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_ms INTEGER NOT NULL,
        type TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_subject ON events(subject, id);`,
  },
  {
    version: 2,
    name: "clusters",
    sql: `
      CREATE TABLE clusters (
        name TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        source TEXT NOT NULL,
        loaded_at_ms INTEGER NOT NULL
      );`,
  },
];
