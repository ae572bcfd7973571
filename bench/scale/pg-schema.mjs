// A private PostgreSQL schema for one benchmark run, so the shared database stays untouched:
// `privateSchema(url)` creates bench_<random>, returns the URL that puts it first on the search path,
// and a function that drops it.
import { randomBytes } from "node:crypto";
import pg from "pg";

export async function privateSchema(url) {
  const schema = `bench_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return {
    schema,
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
