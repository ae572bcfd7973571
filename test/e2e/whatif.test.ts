import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveProcess, type ServeProcess } from "./serve-process.js";

const repo = new URL("../../", import.meta.url).pathname;
const aidc = join(repo, "bin/aidc");
const dir = mkdtempSync(join(tmpdir(), "aidc-whatif-"));
let server: ServeProcess;
let env: NodeJS.ProcessEnv;
const ids: Record<string, string> = {};

/** Run the real CLI as its own process against the server. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(aidc, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("close", (code) => resolve({ code, out, err }));
  });
}

/** An 8-GPU job file that runs ten hours of virtual time (nothing ends during the test). */
function jobFile(name: string, queue: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      "apiVersion: aidc/v1",
      "kind: Job",
      `name: ${name}`,
      `queue: ${queue}`,
      "tasks: [{ resources: { gpus: 8 } }]",
      "run: { command: 'true' }",
      "runtimeEstimateS: 36000",
      'labels: { "aidc.dev/sim-duration-s": "36000" }',
      "",
    ].join("\n"),
  );
  return file;
}

interface Why {
  state: string;
  reason: string;
  forecast?: { startMs: number; bandStartMs: [number, number] };
}

beforeAll(async () => {
  server = await serveProcess(join(dir, "data"), [
    "--cluster",
    join(repo, "examples/clusters/demo.yaml"),
    "--executor",
    "sim",
    "--metrics-interval",
    "0",
  ]);
  env = { ...process.env, AIDC_URL: server.url, AIDC_TOKEN: readFileSync(join(dir, "data", "admin-token"), "utf8").trim() };
  // busy: research borrows the whole training partition; production waits for GPUs, research's fifth job for quota
  for (const [name, queue] of [
    ["r0", "research"],
    ["r1", "research"],
    ["r2", "research"],
    ["r3", "research"],
    ["p0", "production"],
    ["p1", "production"],
    ["r4", "research"],
  ] as const) {
    const r = await cli("submit", jobFile(name, queue), "--json");
    expect(r.code).toBe(0);
    ids[name] = (JSON.parse(r.out) as { id: string }).id;
  }
});
afterAll(async () => {
  server.child.kill("SIGTERM");
  await server.exited;
});

describe("the digital twin through a real aidc serve", () => {
  it("aidc why gives a forecast with a band for every pending job, quota waits included", async () => {
    // the twin forecasts every few seconds: wait (through REST, cheaper than a CLI process a look) until it saw every job
    const explain = async (id: string): Promise<Why> =>
      (await fetch(`${server.url}/api/v1/jobs/${id}/explain`, { headers: { authorization: `Bearer ${env["AIDC_TOKEN"]}` } }).then((r) =>
        r.json(),
      )) as Why;
    for (let i = 0; i < 120; i++) {
      const all = await Promise.all(["p0", "p1", "r4"].map((n) => explain(ids[n] ?? "")));
      if (all.every((a) => a.forecast !== undefined)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const answers = await Promise.all(
      ["p0", "p1", "r4"].map(async (n) => JSON.parse((await cli("why", ids[n] ?? "", "--json")).out) as Why),
    );
    expect(answers.map((a) => a.state)).toEqual(["pending", "pending", "pending"]);
    expect(answers[2]?.reason).toBe("QUOTA_EXCEEDED");
    for (const a of answers) {
      const f = a.forecast;
      expect(f).toBeDefined();
      expect(f!.bandStartMs[0]).toBeLessThanOrEqual(f!.startMs);
      expect(f!.bandStartMs[1]).toBeGreaterThanOrEqual(f!.startMs);
    }
    const text = await cli("why", ids["r4"] ?? "");
    expect(text.code).toBe(0);
    expect(text.out).toContain("QUOTA_EXCEEDED");
    expect(text.out).toMatch(/forecast: starts in ~.+ \(80 % band .+\)/);
  });

  it("aidc submit --test-only prints when the job would start and leaves no job behind", async () => {
    const count = async (): Promise<number> => (JSON.parse((await cli("jobs", "--json")).out) as unknown[]).length;
    const before = await count();
    const r = await cli("submit", "--test-only", jobFile("probe", "production"));
    expect(r.code).toBe(0);
    expect(r.out).toContain("80 % band");
    expect(r.out).toContain("nothing was submitted");
    expect(await count()).toBe(before);
  });

  it("aidc whatif --add-nodes '4x DGX H100' --rack rack-b shows the GPU-bound jobs gaining", async () => {
    const table = await cli("whatif", "--add-nodes", "4x DGX H100", "--rack", "rack-b");
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/BEFORE\tAFTER/);
    expect(table.out).toContain("Start earlier:");
    expect(table.out).toContain(ids["p0"]);
    const json = await cli("whatif", "--add-nodes", "4x DGX H100", "--rack", "rack-b", "--json");
    const doc = JSON.parse(json.out) as { before: { meanDelayS: number }; after: { meanDelayS: number }; gainers: { id: string }[] };
    expect(doc.after.meanDelayS).toBeLessThan(doc.before.meanDelayS);
    expect(doc.gainers.map((g) => g.id)).toEqual(expect.arrayContaining([ids["p0"], ids["p1"]]));
  });

  it("aidc whatif names every bad field and exits 2", async () => {
    const r = await cli("whatif", "--add-nodes", "4x DGX Z900", "--rack", "rack-q", "--quota", "ghost=8");
    expect(r.code).toBe(2);
    expect(r.err).toContain("addNodes[0].system");
    expect(r.err).toContain("addNodes[0].rack");
    expect(r.err).toContain("quotas[0].queue");
  });
});
