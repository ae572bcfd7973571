import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BrowserContext, Page } from "playwright-core";
import { startServer, type RunningServer } from "@aidc/server";
import { chromiumAvailable, launchChromium } from "./chromium.js";

const repo = new URL("../../", import.meta.url).pathname;
const haveChromium = chromiumAvailable("what-if page test");
const SHOTS = process.env.AIDC_SCREENSHOTS ?? tmpdir();
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const job = (name: string, queue: string) => ({
  apiVersion: "aidc/v1",
  kind: "Job",
  name,
  queue,
  tasks: [{ resources: { gpus: 8, gpuType: "h100" } }],
  // the sim executor runs it for two hours: nothing ends during the test
  labels: { "aidc.dev/sim-duration-s": "7200" },
  runtimeEstimateS: 7200,
  run: { command: "true" },
});

const noChromium = {
  skip: !haveChromium,
  meta: haveChromium ? {} : { skipReason: "chromium is not installed (apt-get install chromium)" },
};
describe("what-if page in Chromium", noChromium, () => {
  let server: RunningServer;
  let token: string;
  let context: BrowserContext;
  let page: Page;
  const dirs: string[] = [];
  const problems: string[] = [];

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };

  beforeAll(async () => {
    const dist = join(repo, "packages/console/dist/index.html");
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build -w @aidc/console first`);
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-whatif-data-"));
    const profile = mkdtempSync(join(tmpdir(), "aidc-whatif-profile-"));
    dirs.push(dataDir, profile);
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir,
      clusterFile: join(repo, "examples/clusters/demo.yaml"),
      executor: "sim",
      logLevel: "silent",
      tickMs: 100,
      metricsIntervalS: 3600,
    });
    token = readFileSync(server.adminTokenFile, "utf8").trim();
    context = await launchChromium(profile);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("adds nodes and quota to a busy cluster and shows the waits shrink", async () => {
    // a busy demo cluster: research and production fill the 32 H100 GPUs of partition train, 8 research jobs wait
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await call<{ id: string }>("POST", "/api/v1/jobs", job(`r${i}`, "research"))).id);
    for (let i = 0; i < 2; i++) ids.push((await call<{ id: string }>("POST", "/api/v1/jobs", job(`p${i}`, "production"))).id);
    await expect
      .poll(
        async () => {
          const states = await Promise.all(ids.map((id) => call<{ state: string }>("GET", `/api/v1/jobs/${id}`)));
          return states.filter((s) => s.state === "running").length;
        },
        { timeout: 20_000 },
      )
      .toBe(4);
    // the twin forecasts the loop's view at its own cadence: wait until it has seen the queue
    await expect
      .poll(
        async () => (await call<{ forecast?: unknown }>("GET", `/api/v1/jobs/${ids[ids.length - 1]!}/explain`)).forecast !== undefined,
        {
          timeout: 20_000,
        },
      )
      .toBe(true);

    await page.goto(`${server.url}/whatif?token=${encodeURIComponent(token)}`);
    await page.locator("h1", { hasText: "What-if" }).waitFor();
    // the form fills its choices from the cluster
    await expect.poll(() => page.locator("#whatif-rack option").count()).toBeGreaterThan(3);
    await page.getByLabel("Nodes to add").fill("4");
    await page.getByLabel("Node kind").selectOption({ label: "dgx-h100" });
    expect(await page.locator("#whatif-system option").allTextContents()).toEqual(["dgx-h100", "l40s-48gb × 8 GPUs"]);
    await page.getByLabel("Rack").selectOption("rack-b");
    await page.getByLabel("Queue", { exact: true }).selectOption("research");
    await page.getByLabel("Quota (GPUs)").fill("48");
    await page.getByRole("button", { name: "Run what-if" }).click();

    const table = page.locator("#whatif-summary");
    await table.waitFor();
    const row = (label: string) => table.locator("tbody tr", { hasText: label });
    expect(await row("Pending jobs").textContent()).toContain("8");
    // 32 more GPUs and room in research's quota: the waiting research jobs start now instead of in two hours
    expect(await row("Mean wait").locator("[data-gain]").getAttribute("data-gain")).toBe("gain");
    expect(await row("Mean wait").textContent()).toContain("(gain)");
    expect(await page.locator("#whatif-gainers tbody tr").count()).toBeGreaterThan(0);
    for (const id of ["#whatif-timeline", "#whatif-delays", "#whatif-util"]) await page.locator(`${id} svg`).waitFor();
    await page.screenshot({ path: join(SHOTS, "whatif.png"), fullPage: true });
    expect(problems).toEqual([]);
    // the form, the table and the charts pass an accessibility scan (serious and critical findings)
    await page.addScriptTag({ content: AXE });
    const violations = (await page.evaluate(
      `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`,
    )) as string[];
    expect(violations).toEqual([]);
  });
});
