import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { barOption, renderChart } from "./charts.js";
import { chartPng } from "./png.js";
import { runCli } from "../run-cli.testing.js";

const run = (...argv: string[]) => runCli(argv);

const repo = new URL("../../../../", import.meta.url).pathname;
const scenario = join(repo, "examples/scenarios/ai-factory-4k-h100.yaml");
const dir = mkdtempSync(join(tmpdir(), "aidc-report-"));
const trace = join(dir, "mini.csv");
writeFileSync(
  trace,
  [
    "timestamp,duration,num_gpus,gpu_time,cluster",
    "2017-10-01 00:00:00,3600.0,8,28800.0,a",
    "2017-10-01 00:00:10,5000.0,4,20000.0,a",
    "2017-10-01 00:00:20,2000.0,1,2000.0,b",
    "2017-10-01 00:00:30,50000.0,16,800000.0,b",
    "2017-10-01 01:00:30,7000.0,16,112000.0,b",
    "2017-10-01 02:00:30,9000.0,2,18000.0,a",
  ].join("\n") + "\n",
);

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The checks every report page must pass: one document, inline everything, no script, SVG charts. */
function expectStandalone(html: string): string[] {
  expect(html.startsWith("<!doctype html>")).toBe(true);
  expect(html.match(/<html/g)).toHaveLength(1);
  expect(html.trimEnd().endsWith("</html>")).toBe(true);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/\b(src|href)\s*=\s*"(https?:|\/\/)/i);
  expect(html).not.toMatch(/url\(\s*["']?https?:/i);
  const svgs = html.match(/<svg [^>]*>/g) ?? [];
  for (const s of svgs) expect(s).toMatch(/role="img" aria-label="[^"]+"/);
  // ids inside the inline SVGs are unique across the page
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size).toBe(ids.length);
  return svgs;
}

function expectPngs(pngDir: string, names: readonly string[]): void {
  expect(readdirSync(pngDir).sort()).toEqual(names.map((n) => `${n}.png`).sort());
  for (const n of names) {
    const png = readFileSync(join(pngDir, `${n}.png`));
    expect(png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(png.length).toBeGreaterThan(5000);
    // IHDR width: charts are rasterized at twice their SVG width
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(1000);
  }
}

describe("HTML reports with server-side ECharts", () => {
  it("renders a chart to the same SVG bytes every time, with the series names in it", () => {
    const spec = {
      id: "t",
      title: "Test",
      description: "two policies",
      option: barOption(["fifo", "sjf"], [{ name: "Avg queueing", data: [10, 20] }]),
    };
    const a = renderChart(spec).svg;
    const b = renderChart(spec).svg;
    expect(a).toBe(b);
    expect(chartPng(renderChart(spec)).equals(chartPng(renderChart(spec)))).toBe(true);
    expect(a).toContain(">Avg queueing<");
    expect(a).toContain(">fifo<");
    expect(a).not.toMatch(/zr\d+-/);
  });

  it("plan datacenter --format html is one self-contained page with the plan's tables and SVG charts, and --png-dir writes PNGs", async () => {
    const pngDir = join(dir, "dc-png");
    const r = await run("plan", "datacenter", scenario, "--format", "html", "--png-dir", pngDir);
    expect(r.code).toBe(0);
    const svgs = expectStandalone(r.out);
    expect(svgs).toHaveLength(4);
    for (const label of ["Systems", "Facility", "Compute", "quebec", "texas"]) expect(r.out).toContain(`>${label}<`);
    // the content of the text plan is kept: every section and the site table
    for (const h of ["Network", "Storage", "Cost", "Sites (", "Summary"]) expect(r.out).toContain(`<h2>${h}`);
    const md = (await run("plan", "datacenter", scenario, "--format", "markdown")).out;
    const sites = [...md.matchAll(/^\| (\w+) \| [\d.]+ \|/gm)].map((m) => m[1]);
    expect(sites.length).toBeGreaterThanOrEqual(3);
    for (const site of sites) expect(r.out).toContain(`<td>${site}</td>`);
    expectPngs(pngDir, ["capex", "power", "tco-by-site", "energy-by-site"]);
    expect((await run("plan", "datacenter", scenario, "--format", "html")).out).toBe(r.out);
  });

  it("sim compare --format html shows the policies' charts; the same inputs give the same page", async () => {
    const pngDir = join(dir, "sim-png");
    const args = ["sim", "compare", "--trace", trace, "--cluster", "philly", "--policies", "fifo,sjf", "--format", "html"];
    const r = await run(...args, "--png-dir", pngDir);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const svgs = expectStandalone(r.out);
    expect(svgs).toHaveLength(5);
    for (const name of ["Avg queueing", "p99 queueing", "Avg completion", "GPU utilization", "fifo", "sjf"])
      expect(r.out).toContain(`>${name}<`);
    expect(r.out).toContain("<td>sjf</td>");
    expectPngs(pngDir, ["waiting-and-completion", "gpu-utilization", "utilization-over-time", "pending-over-time", "queueing-per-queue"]);
    expect((await run(...args)).out).toBe(r.out);
    // the trace format can still be named when --format is the report format; a bad one is bad input
    expect((await run(...args, "--trace-format", "philly")).out).toBe(r.out);
    const bad = await run(...args, "--trace-format", "slurm");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--trace-format");
    expect((await run("sim", "compare", "--trace", trace, "--cluster", "philly", "--policies", "fifo", "--format", "pdf")).code).toBe(2);
  });
});
