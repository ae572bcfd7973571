import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServer } from "@aidc/server";

const REPLICAS = 10_000;

/** One node big enough for every replica, and job limits that allow a 10,000-replica job. */
const CLUSTER = `apiVersion: aidc/v1
kind: Cluster
name: wide
racks:
  - name: r1
    nodes:
      - { name: big, cpus: ${REPLICAS}, memoryGiB: ${REPLICAS * 2} }
limits: { maxReplicasPerTask: ${REPLICAS}, maxReplicasPerJob: ${REPLICAS} }
`;

describe("starting a 10,000-replica job with the local executor", () => {
  it("never freezes the server: every /healthz answers in < 200 ms while it starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-wide-"));
    const clusterFile = join(dir, "cluster.yaml");
    writeFileSync(clusterFile, CLUSTER);
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: join(dir, "data"),
      clusterFile,
      logLevel: "silent",
      tickMs: 200,
      metricsIntervalS: 0,
      // the start path under test is the same at every isolation level; bubblewrap's namespace setup per replica
      // (≈10 ms of CPU each) would make this test take minutes on 2 cores, and the attack tests cover the sandbox
      local: {
        jobsDir: mkdtempSync(join(tmpdir(), "aidc-wide-jobs-")),
        isolation: (process.env["AIDC_TEST_ISOLATION"] ?? "none") as "auto" | "none",
      },
    });
    const token = readFileSync(server.adminTokenFile, "utf8").trim();
    const auth = { authorization: `Bearer ${token}` };
    try {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/jobs`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({
          apiVersion: "aidc/v1",
          kind: "Job",
          name: "wide",
          tasks: [{ name: "w", replicas: REPLICAS, resources: { cpus: 1, memoryGiB: 1 } }],
          run: { command: "true" },
        }),
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const probes: number[] = [];
      let state = "";
      let polls = 0;
      while (state !== "succeeded" && state !== "failed" && performance.now() - t0 < 240_000) {
        const p0 = performance.now();
        const health = await fetch(`${server.url}/healthz`);
        probes.push(performance.now() - p0);
        expect(health.status).toBe(200);
        if (++polls % 50 === 0)
          state = ((await (await fetch(`${server.url}/api/v1/jobs/${id}`, { headers: auth })).json()) as { state: string }).state;
        await new Promise((r) => setTimeout(r, 20));
      }
      const totalS = (performance.now() - t0) / 1000;
      const sorted = [...probes].sort((a, b) => a - b);
      const lag = (await (await fetch(`${server.url}/metrics`, { headers: auth })).text()).match(
        /^aidc_event_loop_lag_seconds\{quantile="max"\} (\S+)$/m,
      );
      console.log(
        JSON.stringify({
          replicas: REPLICAS,
          totalS: Number(totalS.toFixed(1)),
          probes: probes.length,
          p50Ms: Number(sorted[Math.floor(sorted.length / 2)]?.toFixed(1)),
          maxMs: Number(sorted.at(-1)?.toFixed(1)),
          eventLoopLagMaxS: lag?.[1],
        }),
      );
      expect(state).toBe("succeeded");
      expect(probes.length).toBeGreaterThan(20);
      expect(sorted.at(-1)).toBeLessThan(200);
      expect(lag?.[1]).toBeDefined();
    } finally {
      await server.close();
    }
  }, 300_000);
});
