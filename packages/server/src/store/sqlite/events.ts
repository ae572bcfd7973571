import type { EventStore, StoredEvent } from "../port.js";
import type { SqliteDb } from "./db.js";

interface EventRow {
  id: number;
  at_ms: number;
  type: string;
  subject: string;
  data: string;
}

export function eventFromRow(r: EventRow): StoredEvent {
  return { id: r.id, atMs: r.at_ms, type: r.type, subject: r.subject, data: JSON.parse(r.data) as Record<string, unknown> };
}

/** The event log in the SQLite file (ids grow with insertion). */
export class SqliteEventStore implements EventStore {
  constructor(private readonly s: SqliteDb) {}

  async insert(atMs: number, type: string, subject: string, data: Record<string, unknown> = {}): Promise<number> {
    return this.s.insertEvent(atMs, type, subject, data);
  }

  async list(limit: number, o: { subject?: string; beforeId?: number } = {}): Promise<StoredEvent[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (o.subject !== undefined) {
      where.push("subject = ?");
      args.push(o.subject);
    }
    if (o.beforeId !== undefined) {
      where.push("id < ?");
      args.push(o.beforeId);
    }
    const sql = `SELECT id, at_ms, type, subject, data FROM events ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`;
    return (this.s.prepare(sql).all(...args, limit) as EventRow[]).map(eventFromRow);
  }
}
