import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "@aidc/core";
import { startServer } from "./main.js";

const repo = new URL("../../../", import.meta.url).pathname;
const base = () => ({
  host: "127.0.0.1",
  port: 0,
  dataDir: mkdtempSync(join(tmpdir(), "aidc-profile-")),
  clusterFile: join(repo, "examples/clusters/demo.yaml"),
  executor: "sim" as const,
  logLevel: "silent" as const,
  metricsIntervalS: 0,
});

describe("aidc serve --profile", () => {
  it("runs the SchedulerProfile sim run takes, and the twin forecasts with it", async () => {
    const server = await startServer({ ...base(), profileFile: join(repo, "examples/profiles/team-fair-share.yaml") });
    try {
      const token = (await import("node:fs")).readFileSync(server.adminTokenFile, "utf8").trim();
      const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      // a pending job's forecast replays the loop's own profile (a policy name would not resolve: "team-fair-share")
      const job = {
        apiVersion: "aidc/v1",
        kind: "Job",
        name: "j",
        queue: "research",
        tasks: [{ resources: { gpus: 8 } }],
        run: { command: "true" },
      };
      const res = await fetch(`${server.url}/api/v1/jobs/forecast`, { method: "POST", headers: auth, body: JSON.stringify(job) });
      const body = (await res.json()) as { reason?: string; forecast?: { startMs: number } };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.forecast?.startMs).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it("refuses a bad profile with issues that name the file and the field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-profile-bad-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "apiVersion: aidc/v1\nkind: SchedulerProfile\nmetadata: { name: x }\nspec: { policy: nope }\n");
    const err = await startServer({ ...base(), profileFile: file }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    const issue = (err as InvalidInputError).issues[0];
    expect(issue?.path).toBe(`${file}: spec.policy`);
    expect(issue?.message).toMatch(/unknown policy "nope"/);
  });
});
