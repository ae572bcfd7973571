import type { EventStore, StoredEvent } from "../port.js";
import type { Sql } from "./db.js";

interface EventRow {
  id: number;
  at_ms: number;
  type: string;
  subject: string;
  data: string;
}

/** Add an event row on `sql` (inside the transaction of the change it records); its id. */
export async function insertEventPg(
  sql: Sql,
  atMs: number,
  type: string,
  subject: string,
  data: Record<string, unknown> = {},
): Promise<number> {
  const rows = await sql.query<{ id: number }>(
    "INSERT INTO events (at_ms, type, subject, data) VALUES ($1, $2, $3, $4) RETURNING id",
    [atMs, type, subject, JSON.stringify(data)],
    "aidc_event_insert",
  );
  return rows[0]?.id ?? 0;
}

/** The event log in PostgreSQL (ids from a sequence: they grow with insertion, not with commit order). */
export class PgEventStore implements EventStore {
  constructor(private readonly sql: Sql) {}

  insert(atMs: number, type: string, subject: string, data: Record<string, unknown> = {}): Promise<number> {
    return insertEventPg(this.sql, atMs, type, subject, data);
  }

  async list(limit: number, o: { subject?: string; beforeId?: number } = {}): Promise<StoredEvent[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.subject !== undefined) {
      args.push(o.subject);
      where.push(`subject = $${args.length}`);
    }
    if (o.beforeId !== undefined) {
      args.push(o.beforeId);
      where.push(`id < $${args.length}`);
    }
    args.push(limit);
    const named = `aidc_events_list_${o.subject === undefined ? "" : "s"}${o.beforeId === undefined ? "" : "b"}`;
    const rows = await this.sql.query<EventRow>(
      `SELECT id, at_ms, type, subject, data FROM events ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT $${args.length}`,
      args,
      named,
    );
    return rows.map((r) => ({
      id: r.id,
      atMs: r.at_ms,
      type: r.type,
      subject: r.subject,
      data: JSON.parse(r.data) as Record<string, unknown>,
    }));
  }
}
