import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
