import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RunningServer } from "@aidc/server";
import { chromiumAvailable, openConsole, type ConsoleSession } from "./chromium.js";
import { main, type Io } from "@aidc/cli";

const repo = new URL("../../", import.meta.url).pathname;
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const haveChromium = chromiumAvailable("accessibility scan");

/** AIDC_A11Y_ALL=1 also reports minor and moderate findings (the assertions then fail on those too). */
const REPORT_ALL = process.env.AIDC_A11Y_ALL === "1";

interface AxeNode {
  readonly target: readonly string[];
  readonly html: string;
  readonly failureSummary?: string;
}
interface AxeViolation {
  readonly id: string;
  readonly impact: "minor" | "moderate" | "serious" | "critical" | null;
  readonly help: string;
  readonly nodes: readonly AxeNode[];
}

/** Wait for the page's heading and for its "Loading…" placeholders to go (data arrived or an error is shown). */
async function settle(page: Page): Promise<void> {
  await page.locator("main h1").first().waitFor();
  await page
    .waitForFunction(
      `!document.querySelector("main .loading") && !/^Loading…$/.test(document.querySelector("main")?.textContent ?? "")`,
      undefined,
      {
        timeout: 5_000,
      },
    )
    .catch(() => undefined); // a page that keeps a spinner is still scanned as it is
  await page.waitForTimeout(200);
}

/** Run axe-core on the current page; one line per serious or critical violation (rule, help, where). */
async function scan(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) await page.addScriptTag({ content: AXE });
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)`,
  )) as AxeViolation[];
  return violations
    .filter((v) => REPORT_ALL || v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.impact} ${v.id} (${v.help}): ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 5)
          .join(", ")} -- ${(v.nodes[0]?.failureSummary ?? "").replaceAll("\n", " ")}`,
    );
}

const noChromium = {
  skip: !haveChromium,
  meta: haveChromium ? {} : { skipReason: "chromium is not installed (apt-get install chromium)" },
};
describe("accessibility of every console page (axe-core in Chromium)", noChromium, () => {
  let server: RunningServer;
  let page: Page;
  let token: string;
  let jobId: string;
  let gangId: string;

  let session: ConsoleSession;
  beforeAll(async () => {
    session = await openConsole("a11y");
    ({ server, token, page } = session);
    const res = await fetch(`${server.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/yaml" },
      body: readFileSync(join(repo, "examples/jobs/hello.yaml"), "utf8"),
    });
    jobId = ((await res.json()) as { id: string }).id;
    // a gang waiting for a job nobody submits stays pending, so the pages show the pending/reason badges too
    // (a gang that can never fit is refused at submission now)
    const gang = await fetch(`${server.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/yaml" },
      body: readFileSync(join(repo, "examples/jobs/gang.yaml"), "utf8")
        .replace("name: gang-demo", "name: waits")
        .replace("gang: true", "gang: true\ndependsOn: [never-submitted]"),
    });
    expect(gang.status).toBe(201);
    gangId = ((await gang.json()) as { id: string }).id;
  });
  afterAll(() => session?.close());

  it("the login page", async () => {
    await page.goto(`${server.url}/`);
    await page.locator("#token").waitFor();
    const violations = await scan(page);
    // log in before asserting, so one finding here does not hide the other pages' findings
    await page.locator("#token").fill(token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator("#util-chart svg").waitFor();
    expect(violations).toEqual([]);
  });

  // each page with the element that shows its data has arrived (so the scan sees the filled page, not "Loading…")
  const pages: [string, () => string, string][] = [
    ["overview", () => "/", "#gpu-heatmap svg"],
    ["jobs", () => "/jobs", "#jobs-list tbody tr"],
    ["submit form", () => "/jobs/new", "#job-yaml"],
    ["job detail", () => `/jobs/${jobId}`, "#job-events tbody tr"],
    ["pending job", () => `/jobs/${gangId}`, "#why-pending .badge"],
    ["nodes", () => "/nodes", "#nodes-list tbody tr"],
    ["queues", () => "/queues", "#queues-list tbody tr"],
    ["catalog", () => "/catalog", "table tbody tr"],
    ["catalog section", () => "/catalog/accelerators", "table tbody tr"],
    ["models", () => "/models", "h1"],
    ["planner", () => "/planner", "#run-plan"],
    ["simulator", () => "/simulator", "#run-sim"],
  ];
  for (const [name, path, ready] of pages)
    it(`the ${name} page`, async () => {
      await page.goto(`${server.url}${path()}`);
      await page.locator(ready).first().waitFor();
      expect(await scan(page)).toEqual([]);
    });

  it("every other page of the navigation bar", async () => {
    await page.goto(`${server.url}/`);
    const hrefs = await page.locator("header nav a[href^='/']").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    const known = new Set(pages.map(([, path]) => path()));
    expect(hrefs.length).toBeGreaterThanOrEqual(5);
    const found: { path: string; violations: string[] }[] = [];
    for (const path of hrefs.filter((h) => !known.has(h))) {
      await page.goto(`${server.url}${path}`);
      await settle(page);
      found.push({ path, violations: await scan(page) });
    }
    expect(found.filter((f) => f.violations.length > 0)).toEqual([]);
  });

  it("the planner and simulator results, and the dark theme", async () => {
    await page.goto(`${server.url}/planner`);
    await page.locator("#run-plan").click();
    await page.locator("#plan-result svg").first().waitFor();
    expect(await scan(page)).toEqual([]);
    await page.goto(`${server.url}/simulator`);
    await page.locator("#run-sim").click();
    await page.locator("#sim-result svg").first().waitFor({ timeout: 30_000 });
    expect(await scan(page)).toEqual([]);
    await page.getByRole("button", { name: "Toggle light/dark theme" }).click();
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    const nav = await page.locator("header nav a[href^='/']").evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    for (const path of new Set(["/", ...nav, `/jobs/${jobId}`, `/jobs/${gangId}`, "/jobs/new"])) {
      await page.goto(`${server.url}${path}`);
      await settle(page);
      expect({ path, violations: await scan(page) }).toEqual({ path, violations: [] });
    }
  });

  it("the HTML reports of aidc plan datacenter and aidc sim compare", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-a11y-reports-"));
    const trace = join(dir, "mini.csv");
    writeFileSync(
      trace,
      "timestamp,duration,num_gpus,gpu_time,cluster\n2017-10-01 00:00:00,3600.0,8,28800.0,a\n2017-10-01 00:00:30,500.0,16,8000.0,b\n",
    );
    for (const argv of [
      ["plan", "datacenter", join(repo, "examples/scenarios/ai-factory-4k-h100.yaml"), "--format", "html"],
      ["sim", "compare", "--trace", trace, "--cluster", "philly", "--policies", "fifo,sjf", "--format", "html"],
    ]) {
      let html = "";
      const io: Io = { out: (t) => (html += t), err: () => undefined, tty: false };
      expect(await main(argv, io)).toBe(0);
      const file = join(dir, `${argv[0]}-report.html`);
      writeFileSync(file, html);
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`file://${file}`);
        expect({ report: argv[0], scheme, violations: await scan(page) }).toEqual({ report: argv[0], scheme, violations: [] });
      }
    }
    await page.emulateMedia({ colorScheme: null });
  });
});
