import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-cli-status-"));
const servers: RunningServer[] = [];
let conn: string[] = [];

// two replicas on one SQLite file (as on one host): the second follows the first
beforeAll(async () => {
  for (const id of ["r1", "r2"])
    servers.push(
      await startServer({
        host: "127.0.0.1",
        port: 0,
        dataDir: join(dir, id),
        store: `sqlite:${join(dir, "shared.db")}`,
        replicaId: id,
        executor: "sim",
        logLevel: "silent",
        metricsIntervalS: 0,
      }),
    );
  const token = readFileSync(join(dir, "r1", "admin-token"), "utf8").trim();
  conn = ["--url", servers[1]?.url ?? "", "--token", token];
});
afterAll(async () => {
  for (const s of servers.reverse()) await s.close();
});

describe("aidc status", () => {
  it("lists the replicas sharing the store and names the leader", async () => {
    const json = await runCli(["status", "--json", ...conn]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      store: { backend: "sqlite" },
      replica: "r2",
      leader: { replica: "r1" },
      replicas: [
        { id: "r1", leader: true, alive: true },
        { id: "r2", leader: false, alive: true },
      ],
    });
    const table = await runCli(["status", ...conn]);
    expect(table.out).toMatch(/^leader: r1 \(term \d+\)$/m);
    expect(table.out).toMatch(/^r1\tleader\tup\t/m);
    expect(table.out).toMatch(/^r2\tfollower\tup\t/m);
  });
});
