import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobSpec } from "@aidc/core";
import { NO_PG_REASON, PgSchemas, pgRequired, pgTestUrl } from "../contract/harness.testing.js";
import { PgDb } from "./db.js";
import { SUBMIT_LOCK_SPACE } from "./jobs.js";
import { PgStore } from "./store.js";

// PostgreSQL only: how submissions of one user meet the per-user advisory lock (the caps' exactness on
// both backends is in store/contract/jobs.test.ts).
const spec = (name: string): JobSpec => JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name, tasks: [{}], run: { command: "true" } });
const base = pgTestUrl();
// a user of its own: advisory locks are per database, and other test files' stores share the test database
const user = `lock-test-${randomBytes(4).toString("hex")}`;

if (base === undefined && pgRequired()) {
  describe("PgJobStore submissions and the per-user lock", () => {
    it("has a PostgreSQL to run on", () => {
      throw new Error(`${NO_PG_REASON}; CI=true or AIDC_REQUIRE_PG=1 requires it`);
    });
  });
}

describe(
  "PgJobStore submissions and the per-user lock",
  { skip: base === undefined, meta: base === undefined ? { skipReason: NO_PG_REASON } : {} },
  () => {
    let schemas: PgSchemas;
    let store: PgStore;
    let other: PgDb;
    beforeAll(async () => {
      schemas = new PgSchemas(base ?? "");
      const { url } = await schemas.fresh();
      store = await PgStore.open(url, { maxConnections: 4 });
      other = new PgDb(url, { max: 2 });
    });
    afterAll(async () => {
      await store.close();
      await other.close();
      await schemas.dropAll();
    });

    /** Hold the shared form of the user's submission lock (as an in-flight far-from-cap submission does) until `release` resolves. */
    async function holdShared(release: Promise<void>): Promise<void> {
      await other.tx(async (sql) => {
        await sql.query("SELECT pg_advisory_xact_lock_shared($1, hashtext($2))", [SUBMIT_LOCK_SPACE, user]);
        await release;
      });
    }

    async function waitingForLock(): Promise<boolean> {
      const rows = await store.db.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND NOT granted", [
        SUBMIT_LOCK_SPACE,
      ]);
      return rows.length > 0;
    }

    it("far from the cap a submission runs beside other in-flight ones; near it, it waits for them to end", async () => {
      let release = (): void => undefined;
      const held = holdShared(new Promise<void>((r) => (release = r)));
      try {
        // wait until the holder has the lock
        for (;;) {
          const rows = await store.db.query(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = hashtext($2)::oid AND granted",
            [SUBMIT_LOCK_SPACE, user],
          );
          if (rows.length > 0) break;
        }
        const far = { maxPendingJobsPerUser: { value: 1_000_000, source: "test" } };
        expect((await store.jobs.submit(spec("far"), user, 1, undefined, far)).created).toBe(true);
        const near = { maxPendingJobsPerUser: { value: 5, source: "test" } };
        let done = false;
        const nearSubmit = store.jobs.submit(spec("near"), user, 2, undefined, near).then((r) => {
          done = true;
          return r;
        });
        while (!(await waitingForLock())) if (done) break;
        expect(done).toBe(false); // queued behind the in-flight holder
        release();
        expect((await nearSubmit).created).toBe(true);
      } finally {
        release(); // a failed assertion must not leave the holder's transaction open
        await held;
      }
      expect(await store.jobs.waiting(user)).toBe(2);
    });
  },
);
