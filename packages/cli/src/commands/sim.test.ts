import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { JobSpec, defaultCatalog } from "@aidc/core";
import { historyTrace, loadClusterFile, policyReplays, startServer, type RunningServer } from "@aidc/server";
import { runCli } from "../run-cli.testing.js";

const run = (...argv: string[]) => runCli(argv);

const dir = mkdtempSync(join(tmpdir(), "aidc-sim-"));
const trace = join(dir, "mini.csv");
writeFileSync(
  trace,
  [
    "timestamp,duration,num_gpus,gpu_time,cluster",
    "2017-10-01 00:00:00,100.0,8,800.0,a",
    "2017-10-01 00:00:10,50.0,4,200.0,a",
    "2017-10-01 00:00:20,20.0,1,20.0,b",
    "2017-10-01 00:00:30,500.0,16,8000.0,b",
  ].join("\n") + "\n",
);
const profile = new URL("../../../../examples/profiles/team-fair-share.yaml", import.meta.url).pathname;

describe("aidc sim", () => {
  it("run --json prints the documented keys, per queue too, and --out writes reproducible files", async () => {
    const out1 = join(dir, "o1");
    const r = await run("sim", "run", "--trace", trace, "--cluster", "philly", "--policy", "sjf", "--json", "--out", out1);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as Record<string, unknown> & { byQueue: Record<string, { jobs: number }> };
    for (const k of ["policy", "jobs", "avgJctS", "p50JctS", "p99JctS", "avgQueueS", "p99QueueS", "makespanS", "gpuUtilization", "wallS"])
      expect(doc).toHaveProperty(k);
    expect(doc.policy).toBe("sjf");
    expect(doc.jobs).toBe(4);
    expect(Object.keys(doc.byQueue)).toEqual(["a", "b"]);
    const out2 = join(dir, "o2");
    await run("sim", "run", "--trace", trace, "--cluster", "philly", "--policy", "sjf", "--json", "--out", out2);
    for (const f of ["metrics.json", "jobs.csv", "series.csv", "queues.csv"])
      expect(readFileSync(join(out2, f), "utf8")).toBe(readFileSync(join(out1, f), "utf8"));
  });

  it("compare runs several policies; policies lists names and placements", async () => {
    const c = await run("sim", "compare", "--trace", trace, "--cluster", "philly", "--policies", "fifo,srtf,las", "--json");
    expect(c.code).toBe(0);
    expect((JSON.parse(c.out) as { runs: { policy: string }[] }).runs.map((x) => x.policy)).toEqual(["fifo", "srtf", "las"]);
    const p = JSON.parse((await run("sim", "policies", "--json")).out) as { policies: { name: string }[]; placements: { name: string }[] };
    expect(p.policies.map((x) => x.name)).toContain("srtf-preemptive");
    expect(p.placements.map((x) => x.name)).toContain("topology-aware");
  });

  it("a profile file drives the run", async () => {
    const r = await run("sim", "run", "--trace", trace, "--cluster", "philly", "--profile", profile, "--json");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { policy: string }).policy).toBe("team-fair-share");
  });

  it("bad input exits 2 with one line per problem", async () => {
    const bad = join(dir, "bad.csv");
    writeFileSync(bad, "timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-01 00:00:00,x,8,800.0,a\n");
    const r = await run("sim", "run", "--trace", bad, "--cluster", "philly");
    expect(r.code).toBe(2);
    expect(r.err).toContain("line 2.duration");
    expect((await run("sim", "run", "--trace", trace, "--cluster", "philly", "--policy", "nope")).code).toBe(2);
    expect((await run("sim", "run", "--trace", trace, "--cluster", "mars")).code).toBe(2);
    expect((await run("sim", "run", "--trace", trace, "--cluster", "philly", "--format", "slurm")).err).toContain("unknown format");
  });
});

describe("aidc sim: the rough edges of issue 12", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("run --json without --trace and --cluster prints one JSON error naming both (exit 2)", async () => {
    const r = await run("sim", "run", "--json");
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out) as { error: { code: string; issues: { path: string }[] } };
    expect(doc.error.code).toBe("INVALID_INPUT");
    expect(doc.error.issues.map((i) => i.path)).toEqual(["--trace", "--cluster"]);
  });

  it("text tables show durations, percentages and counts for people; --json keeps raw numbers", async () => {
    const c = await run("sim", "compare", "--trace", trace, "--cluster", "philly", "--policies", "fifo,sjf");
    expect(c.code).toBe(0);
    const [header, fifo] = c.out
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    expect(header?.slice(0, 5)).toEqual(["policy", "jobs", "avg JCT", "p50 JCT", "p99 JCT"]);
    expect(fifo?.slice(0, 3)).toEqual(["fifo", "4", "2 min 48 s"]);
    expect(fifo?.[8]).toMatch(/^\d+\.\d %$/);
    const r = await run("sim", "run", "--trace", trace, "--cluster", "philly");
    expect(r.out).toMatch(/^queue\tjobs\tavg JCT\tp99 JCT\tavg queue\tp99 queue\tGPU share\tentitled\tpreemptions$/m);
    expect(r.out).not.toMatch(/\d\.\d{3,}/);
    const j = JSON.parse((await run("sim", "compare", "--trace", trace, "--cluster", "philly", "--policies", "fifo", "--json")).out) as {
      runs: { avgJctS: number }[];
    };
    expect(j.runs[0]?.avgJctS).toBe(167.5);
  });

  it("a profile whose queues match none of the trace's warns on stderr and in the JSON", async () => {
    const text = await run("sim", "run", "--trace", trace, "--cluster", "philly", "--profile", profile);
    expect(text.code).toBe(0);
    expect(text.err).toMatch(
      /^warning: the quotas in force \(profile .*team-fair-share\.yaml\) name queue\(s\) research, production, but no job of the trace is in any of them \(trace queues: a, b\)/m,
    );
    const json = JSON.parse((await run("sim", "run", "--trace", trace, "--cluster", "philly", "--profile", profile, "--json")).out) as {
      warnings: string[];
    };
    expect(json.warnings).toHaveLength(1);
    const quiet = JSON.parse((await run("sim", "run", "--trace", trace, "--cluster", "philly", "--json")).out) as { warnings: string[] };
    expect(quiet.warnings).toEqual([]);
  });

  it("--trace philly reads the cached dataset, or says which aidc data fetch to run (exit 2)", async () => {
    const cache = mkdtempSync(join(tmpdir(), "aidc-sim-cache-"));
    vi.stubEnv("XDG_CACHE_HOME", cache);
    const missing = await run("sim", "run", "--trace", "philly", "--cluster", "philly");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("philly: dataset philly is not downloaded yet; run: aidc data fetch philly");
    // a cache holding every file of the dataset (the mini trace standing in for the job table)
    const dir = join(cache, "aidc", "data", "philly");
    mkdirSync(dir, { recursive: true });
    for (const f of ["cluster_machine_list.csv", "revised_machine_list.csv", "helios_philly_vc_nodes.csv", "philly_node_sequence.csv.gz"])
      writeFileSync(join(dir, f), "");
    writeFileSync(join(dir, "philly_jobs.csv.gz"), gzipSync(readFileSync(trace)));
    const r = await run("sim", "run", "--trace", "philly", "--cluster", "philly", "--json");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { jobs: number }).jobs).toBe(4);
    rmSync(cache, { recursive: true, force: true });
  });
});

describe("one scenario: the CLI, REST simulations and the recommendations' replay agree", () => {
  const demo = new URL("../../../../examples/clusters/demo.yaml", import.meta.url).pathname;
  const policies = ["fifo", "sjf", "backfill-easy", "backfill-conservative"];
  const t0 = 1_800_000_000_000;
  // 90 finished jobs over three queues (two share a cohort), gangs of 1–32 GPUs, priorities: a loaded demo cluster
  const records = Array.from({ length: 90 }, (_, i) => {
    const gpus = [1, 2, 4, 8, 16, 32][(i * 7) % 6]!;
    const queue = ["research", "production", "inference"][i % 3]!;
    const submitS = i * 40 + ((i * 13) % 17);
    const durationS = 300 + ((i * 997) % 5400);
    return {
      id: `h${i}`,
      name: `h${i}`,
      user: "u",
      queue,
      priority: i % 5 === 0 ? 10 : 0,
      state: "succeeded" as const,
      attempts: 0,
      submittedAtMs: t0 + submitS * 1000,
      updatedAtMs: t0,
      startedAtMs: t0 + submitS * 1000,
      finishedAtMs: t0 + (submitS + durationS) * 1000,
      spec: JobSpec.parse({
        apiVersion: "aidc/v1",
        kind: "Job",
        name: `h${i}`,
        queue,
        tasks: [{ resources: { gpus: queue === "inference" ? Math.min(gpus, 16) : gpus } }],
        run: { command: "true" },
      }),
    };
  });
  let server: RunningServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "aidc-sim-same-"));
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir,
      clusterFile: demo,
      executor: "sim",
      logLevel: "silent",
      metricsIntervalS: 0,
    });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("gives identical metrics for the same trace and cluster", async () => {
    const trace = historyTrace(records);
    const file = join(dir, "history.jsonl");
    writeFileSync(
      file,
      [JSON.stringify({ apiVersion: "aidc/v1", kind: "Trace", name: "history" }), ...trace.map((j) => JSON.stringify(j))].join("\n") + "\n",
    );
    const cli = await run(
      "sim",
      "compare",
      "--trace",
      file,
      "--format",
      "aidc",
      "--cluster",
      demo,
      "--policies",
      policies.join(","),
      "--json",
    );
    expect(cli.err).toBe("");
    const cliRuns = (JSON.parse(cli.out) as { runs: Record<string, unknown>[] }).runs;

    const token = readFileSync(server.adminTokenFile, "utf8").trim();
    const res = await fetch(`${server.url}/api/v1/simulations`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ policies, jobs: trace }),
    });
    expect(res.status).toBe(200);
    const rest = (await res.json()) as { results: Record<string, unknown>[] };

    const model = loadClusterFile(demo, defaultCatalog()).model;
    const replay = policyReplays(model, records, "fifo", t0 + 86_400_000);

    const noWall = ({ wallS: _w, ...m }: Record<string, unknown>) => m;
    expect(cliRuns.map((r) => r["policy"])).toEqual(policies);
    expect(rest.results.map(noWall)).toEqual(cliRuns.map(noWall));
    expect(replay.replays).toEqual(
      cliRuns.map((r) => ({ policy: r["policy"], jobs: r["jobs"], avgQueueS: r["avgQueueS"], avgJctS: r["avgJctS"] })),
    );
    // the load makes the policies differ, so agreeing is not trivial
    expect(new Set(cliRuns.map((r) => r["avgQueueS"])).size).toBeGreaterThan(1);
    expect(cliRuns.every((r) => r["jobs"] === records.length)).toBe(true);
  });

  it("gives identical metrics for a profile file, whose own quotas replace the cluster's", async () => {
    const file = join(dir, "history.jsonl");
    writeFileSync(
      file,
      [
        JSON.stringify({ apiVersion: "aidc/v1", kind: "Trace", name: "history" }),
        ...historyTrace(records).map((j) => JSON.stringify(j)),
      ].join("\n") + "\n",
    );
    const cli = await run("sim", "run", "--trace", file, "--format", "aidc", "--cluster", demo, "--profile", profile, "--json");
    expect(cli.err).toBe("");
    const token = readFileSync(server.adminTokenFile, "utf8").trim();
    const res = await fetch(`${server.url}/api/v1/simulations`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ profile: readFileSync(profile, "utf8"), jobs: historyTrace(records) }),
    });
    expect(res.status).toBe(200);
    const rest = (await res.json()) as { results: Record<string, unknown>[] };
    const noWall = ({ wallS: _w, warnings: _warnings, ...m }: Record<string, unknown>) => m;
    expect(rest.results.map(noWall)).toEqual([noWall(JSON.parse(cli.out) as Record<string, unknown>)]);
    // the profile's quotas (16 + 16 for research and production; inference has none there) give the entitlements
    const byQueue = (JSON.parse(cli.out) as { byQueue: Record<string, { entitlement?: number }> }).byQueue;
    expect(byQueue["research"]?.entitlement).toBe(0.5);
    expect(byQueue["inference"]?.entitlement).toBeUndefined();
  });
});
