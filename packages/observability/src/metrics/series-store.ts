import { labelKey, type Labels, type Sample } from "../alerts/expr.js";

/** The part of a SQLite driver the store needs (better-sqlite3 satisfies it; the server passes its handle). */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number | bigint };
  all(...params: unknown[]): unknown[];
}
export interface SqlDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement;
}

export interface TimedSample extends Sample {
  readonly timeMs: number;
}

/** Resolutions kept by the store: raw samples and two downsampled tiers (count/sum/min/max per bucket). */
export const RESOLUTIONS_MS = { raw: 0, fiveMinutes: 300_000, hour: 3_600_000 } as const;

export interface RetentionPolicy {
  readonly rawS: number;
  readonly fiveMinutesS: number;
  readonly hourS: number;
}
export const DEFAULT_RETENTION: RetentionPolicy = { rawS: 2 * 86_400, fiveMinutesS: 35 * 86_400, hourS: 400 * 86_400 };

export interface SeriesPoints {
  readonly metric: string;
  readonly labels: Labels;
  /** [timeMs, value]; for downsampled tiers the bucket start and the bucket's mean. */
  readonly points: [number, number][];
}

export interface RangeQuery {
  readonly metric: string;
  /** Equality matchers on labels. */
  readonly matchers?: Labels;
  readonly fromMs: number;
  readonly toMs: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS obs_series (id INTEGER PRIMARY KEY, metric TEXT NOT NULL, labels TEXT NOT NULL, UNIQUE (metric, labels));
CREATE TABLE IF NOT EXISTS obs_samples (series_id INTEGER NOT NULL, t_ms INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_id, t_ms)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS obs_rollups (res_ms INTEGER NOT NULL, series_id INTEGER NOT NULL, bucket_ms INTEGER NOT NULL,
  count INTEGER NOT NULL, sum REAL NOT NULL, min REAL NOT NULL, max REAL NOT NULL, PRIMARY KEY (res_ms, series_id, bucket_ms)) WITHOUT ROWID;
`;

/**
 * Time-series storage on SQLite: raw samples plus 5-minute and 1-hour rollups (count/sum/min/max)
 * accumulated as samples arrive — the open bucket of each series stays in memory and is written
 * when the next bucket starts or on `flush()`, so downsampling never lags — retention per tier, range queries that pick the finest tier
 * still covering the range. Tables are prefixed `obs_` so they can live in the server's database.
 */
export class SeriesStore {
  private readonly ids = new Map<string, number>();
  /** Open rollup buckets, accumulated in memory and written when the bucket changes or on flush(). */
  private readonly open = new Map<
    string,
    { res: number; id: number; bucket: number; count: number; sum: number; min: number; max: number }
  >();
  private readonly insertSeries: SqlStatement;
  private readonly findSeries: SqlStatement;
  private readonly insertSample: SqlStatement;
  private readonly upsertRollup: SqlStatement;

  constructor(
    private readonly db: SqlDatabase,
    readonly retention: RetentionPolicy = DEFAULT_RETENTION,
  ) {
    db.exec(SCHEMA);
    this.insertSeries = db.prepare("INSERT OR IGNORE INTO obs_series (metric, labels) VALUES (?, ?)");
    this.findSeries = db.prepare("SELECT id FROM obs_series WHERE metric = ? AND labels = ?");
    this.insertSample = db.prepare("INSERT OR IGNORE INTO obs_samples (series_id, t_ms, value) VALUES (?, ?, ?)");
    this.upsertRollup = db.prepare(
      `INSERT INTO obs_rollups (res_ms, series_id, bucket_ms, count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (res_ms, series_id, bucket_ms) DO UPDATE SET count = count + excluded.count, sum = sum + excluded.sum,
       min = MIN(min, excluded.min), max = MAX(max, excluded.max)`,
    );
  }

  private seriesId(metric: string, labels: Labels): number {
    const key = `${metric}{${labelKey(labels)}}`;
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    const json = canonicalLabels(labels);
    this.insertSeries.run(metric, json);
    const row = this.findSeries.all(metric, json)[0] as { id: number };
    this.ids.set(key, row.id);
    return row.id;
  }

  /** Append samples in one transaction; a repeated (series, time) keeps the first value. Returns rows written. */
  append(samples: readonly TimedSample[]): number {
    let written = 0;
    this.db.exec("BEGIN");
    try {
      for (const s of samples) {
        if (!Number.isFinite(s.value) || !Number.isFinite(s.timeMs)) continue;
        const id = this.seriesId(s.metric, s.labels);
        const t = Math.round(s.timeMs);
        if (Number(this.insertSample.run(id, t, s.value).changes) === 0) continue;
        written++;
        for (const res of [RESOLUTIONS_MS.fiveMinutes, RESOLUTIONS_MS.hour])
          this.accumulate(res, id, t - (((t % res) + res) % res), s.value);
      }
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
    return written;
  }

  private accumulate(res: number, id: number, bucket: number, v: number): void {
    const key = `${res}/${id}`;
    const cur = this.open.get(key);
    if (cur !== undefined && cur.bucket === bucket) {
      cur.count++;
      cur.sum += v;
      cur.min = Math.min(cur.min, v);
      cur.max = Math.max(cur.max, v);
      return;
    }
    if (cur !== undefined) this.writeRollup(cur);
    this.open.set(key, { res, id, bucket, count: 1, sum: v, min: v, max: v });
  }

  private writeRollup(b: { res: number; id: number; bucket: number; count: number; sum: number; min: number; max: number }): void {
    this.upsertRollup.run(b.res, b.id, b.bucket, b.count, b.sum, b.min, b.max);
  }

  /** Write the open rollup buckets (queries and retention call this; call it before closing the database). */
  flush(): void {
    if (this.open.size === 0) return;
    this.db.exec("BEGIN");
    try {
      for (const b of this.open.values()) this.writeRollup(b);
      this.db.exec("COMMIT");
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
    this.open.clear();
  }

  /** Delete what each tier no longer keeps. Returns the rows deleted per tier. */
  applyRetention(nowMs: number): { raw: number; fiveMinutes: number; hour: number } {
    this.flush();
    const del = (sql: string, ...p: unknown[]): number => Number(this.db.prepare(sql).run(...p).changes);
    return {
      raw: del("DELETE FROM obs_samples WHERE t_ms < ?", nowMs - this.retention.rawS * 1000),
      fiveMinutes: del(
        "DELETE FROM obs_rollups WHERE res_ms = ? AND bucket_ms < ?",
        RESOLUTIONS_MS.fiveMinutes,
        nowMs - this.retention.fiveMinutesS * 1000,
      ),
      hour: del("DELETE FROM obs_rollups WHERE res_ms = ? AND bucket_ms < ?", RESOLUTIONS_MS.hour, nowMs - this.retention.hourS * 1000),
    };
  }

  /** The finest tier whose retention still covers `fromMs` and that gives at most ~5000 points per series. */
  chooseResolution(q: RangeQuery, nowMs: number): number {
    const span = q.toMs - q.fromMs;
    if (q.fromMs >= nowMs - this.retention.rawS * 1000 && span <= 6 * 3_600_000) return RESOLUTIONS_MS.raw;
    if (q.fromMs >= nowMs - this.retention.fiveMinutesS * 1000 && span / RESOLUTIONS_MS.fiveMinutes <= 5000)
      return RESOLUTIONS_MS.fiveMinutes;
    return RESOLUTIONS_MS.hour;
  }

  private matching(q: RangeQuery): { id: number; labels: Labels }[] {
    const rows = this.db.prepare("SELECT id, labels FROM obs_series WHERE metric = ? ORDER BY labels").all(q.metric) as {
      id: number;
      labels: string;
    }[];
    return rows
      .map((r) => ({ id: r.id, labels: JSON.parse(r.labels) as Labels }))
      .filter((s) => Object.entries(q.matchers ?? {}).every(([k, v]) => (s.labels[k] ?? "") === v));
  }

  /** Points of every matching series in [fromMs, toMs], at the tier `chooseResolution` picks. */
  query(q: RangeQuery, nowMs: number): { resolutionMs: number; series: SeriesPoints[] } {
    const res = this.chooseResolution(q, nowMs);
    if (res !== RESOLUTIONS_MS.raw) this.flush();
    const raw = this.db.prepare("SELECT t_ms AS t, value AS v FROM obs_samples WHERE series_id = ? AND t_ms BETWEEN ? AND ? ORDER BY t_ms");
    const rolled = this.db.prepare(
      "SELECT bucket_ms AS t, sum / count AS v FROM obs_rollups WHERE res_ms = ? AND series_id = ? AND bucket_ms BETWEEN ? AND ? ORDER BY bucket_ms",
    );
    const series = this.matching(q).map((s) => {
      const rows = (res === 0 ? raw.all(s.id, q.fromMs, q.toMs) : rolled.all(res, s.id, q.fromMs - (q.fromMs % res), q.toMs)) as {
        t: number;
        v: number;
      }[];
      return { metric: q.metric, labels: s.labels, points: rows.map((r): [number, number] => [r.t, r.v]) };
    });
    return { resolutionMs: res, series };
  }

  /** The latest raw sample of every series no older than `maxAgeMs` — the input of the alert evaluator. */
  latest(nowMs: number, maxAgeMs = 300_000): Sample[] {
    const rows = this.db
      .prepare(
        `SELECT s.metric AS metric, s.labels AS labels, x.value AS value FROM obs_series s
         JOIN obs_samples x ON x.series_id = s.id
         WHERE x.t_ms = (SELECT MAX(t_ms) FROM obs_samples WHERE series_id = s.id AND t_ms <= ?) AND x.t_ms >= ?
         ORDER BY s.metric, s.labels`,
      )
      .all(nowMs, nowMs - maxAgeMs) as { metric: string; labels: string; value: number }[];
    return rows.map((r) => ({ metric: r.metric, labels: JSON.parse(r.labels) as Labels, value: r.value }));
  }
}

/** Labels as JSON with sorted keys, so the same set always maps to the same series row. */
export function canonicalLabels(labels: Labels): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(labels)
        .sort()
        .map((k) => [k, labels[k]]),
    ),
  );
}
