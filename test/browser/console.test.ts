import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RunningServer } from "@aidc/server";
import { CHROMIUM, chromiumAvailable, openConsole, startEccAgent, type ConsoleSession } from "./chromium.js";
import { trainSentiment } from "@aidc/workloads";
import { describeUnless, fixture } from "../support/data.js";

const repo = new URL("../../", import.meta.url).pathname;
// the committed IMDB slice (2,000 reviews) trains the model of the try-it box
const IMDB = fixture("imdb/train.jsonl.gz");
const ALERTS = `apiVersion: aidc/v1
kind: AlertRules
name: console-test
groups:
  - name: gpu
    interval: 1s
    rules:
      - alert: GpuEccErrors
        metric: aidc_gpu_ecc_errors_total
        threshold: { op: ">", value: 0 }
        severity: warning
        annotations:
          summary: "GPU {{ $labels.gpu }} on {{ $labels.node }} reports ECC errors"
`;
const SHOTS = process.env.AIDC_SCREENSHOTS ?? tmpdir();
const haveChromium = chromiumAvailable("browser tests");

describeUnless(!haveChromium, `${CHROMIUM} is not installed (apt-get install chromium)`, "web console in Chromium", () => {
  let server: RunningServer;
  let page: Page;
  let token: string;
  let problems: string[] = [];

  let session: ConsoleSession;
  beforeAll(async () => {
    session = await openConsole("browser", {
      // one fast rule so a pushed sample fires within a second (the built-in rules evaluate every 30 s and more)
      alerts: ALERTS,
      // a small sentiment model for the try-it box (a second or two on 2000 reviews)
      prepare: async (dataDir) => {
        await trainSentiment({
          preset: "fast",
          dataPath: IMDB,
          outDir: join(dataDir, "models", "imdb"),
          limit: 2000,
          hyper: { bits: 18, epochs: 2 },
        });
      },
    });
    ({ server, token, page } = session);
    problems = session.problems;
  });
  afterAll(() => session?.close());

  it("logs in with the admin token and shows the dashboard with a chart", async () => {
    await page.goto(`${server.url}/`);
    await page.locator("#token").fill(token);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.locator("h1", { hasText: "Cluster demo" }).waitFor();
    await page.locator("#util-chart svg").waitFor();
    await page.locator("#gpu-heatmap svg").waitFor();
    expect(await page.locator(".stat", { hasText: "GPUs" }).first().textContent()).toContain("48");
    expect(await page.evaluate('localStorage.getItem("aidc.token")')).toBe(token);
  });

  it("submits hello.yaml through the form and follows it to succeeded with its log", async () => {
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByRole("link", { name: "Submit a job" }).click();
    await page.locator("#job-yaml").fill(readFileSync(join(repo, "examples/jobs/hello.yaml"), "utf8"));
    await page.locator("#submit-job").click();
    await page.waitForURL(/\/jobs\/[^/]+$/);
    await page.locator("#job-state", { hasText: "succeeded" }).waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator("#job-logs").textContent(), { timeout: 10_000 }).toContain("hello");
    await page.locator("#job-events tbody tr").first().waitFor();
    await page.screenshot({ path: join(SHOTS, "aidc-console-job.png"), fullPage: true });
  });

  it("shows the server's path-qualified issues for a broken job", async () => {
    await page.goto(`${server.url}/jobs/new`);
    const broken =
      "apiVersion: aidc/v1\nkind: Job\nname: broken\ntasks:\n  - resources: { cpus: -1, memoryGiB: 1 }\nrun:\n  command: echo hi\n";
    await page.locator("#job-yaml").fill(broken);
    await page.locator("#submit-job").click();
    const issues = page.locator("#job-issues");
    await issues.locator("li").first().waitFor();
    expect(await issues.textContent()).toContain("tasks[0].resources.cpus (line 5): must be greater than 0");
    expect(page.url()).toMatch(/\/jobs\/new$/);
    // the browser logs the expected 400 answer as a console error; nothing else may be there
    expect(problems.filter((p) => !p.includes("status of 400"))).toEqual([]);
    problems.length = 0;
  });

  it("shows a running GPU job on the dashboard and cancels it from its page", async () => {
    const res = await fetch(`${server.url}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/yaml" },
      body: "apiVersion: aidc/v1\nkind: Job\nname: sleeper\ntasks:\n  - resources: { gpus: 4, cpus: 1, memoryGiB: 1 }\nrun:\n  command: sleep 60\n",
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    await page.goto(`${server.url}/jobs/${id}`);
    await page.locator("#job-state", { hasText: "running" }).waitFor();
    await page.getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => page.locator(".stat", { hasText: "GPU allocation" }).textContent(), { timeout: 15_000 }).toContain("4 in use");
    await expect.poll(() => page.locator(".stat", { hasText: "Running jobs" }).textContent(), { timeout: 15_000 }).toContain("1");
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SHOTS, "aidc-console-dashboard.png"), fullPage: true });
    await page.goto(`${server.url}/jobs/${id}`);
    await page.locator("#cancel-job").click();
    await page.locator("#job-state", { hasText: "cancelled" }).waitFor({ timeout: 15_000 });
    await page.getByRole("link", { name: "All jobs" }).click();
    await page.locator("#jobs-list tbody tr").nth(1).waitFor();
    const list = await page.locator("#jobs-list").textContent();
    expect(list).toContain("succeeded");
    expect(list).toContain("cancelled");
    await page.screenshot({ path: join(SHOTS, "aidc-console-jobs.png"), fullPage: true });
  });

  it("refuses a gang that can never fit with the reason, and explains why a waiting gang is pending", async () => {
    const example = readFileSync(join(repo, "examples/jobs/gang.yaml"), "utf8");
    // 6 × 8 GPUs on the 32 of partition train: refused at submission (like Slurm), the form shows why
    await page.goto(`${server.url}/jobs/new`);
    await page.locator("#job-yaml").fill(example.replace("name: gang-demo", "name: too-big").replace("replicas: 2", "replicas: 6"));
    await page.locator("#submit-job").click();
    const issues = page.locator("#job-issues");
    await issues.locator("li").first().waitFor();
    expect(await issues.textContent()).toContain("requested node configuration is not available");
    expect(page.url()).toMatch(/\/jobs\/new$/);
    expect(problems.filter((p) => !p.includes("status of 422"))).toEqual([]);
    problems.length = 0;
    // a gang that fits but waits (for a job nobody submits) is pending, and its page says why
    const gang = example.replace("name: gang-demo", "name: waits").replace("gang: true", "gang: true\ndependsOn: [never-submitted]");
    await page.locator("#job-yaml").fill(gang);
    await page.locator("#submit-job").click();
    await page.waitForURL(/\/jobs\/[^/]+$/);
    await page.locator("#job-state", { hasText: "pending" }).waitFor();
    const why = page.locator("#why-pending .badge");
    // the page refreshes every 2 s; the first answer may predate the scheduler's first look
    await expect.poll(() => why.textContent(), { timeout: 10_000 }).not.toBe("NOT_YET_CONSIDERED");
    expect(await why.textContent()).toMatch(/^[A-Z_]+$/);
    expect((await page.locator("#why-pending").textContent())?.length).toBeGreaterThan(20);
    await page.screenshot({ path: join(SHOTS, "aidc-console-why-pending.png"), fullPage: true });
    await page.locator("#cancel-job").click();
    await page.locator("#job-state", { hasText: "cancelled" }).waitFor();
  });

  it("shows the digital twin's forecast for a job that waits for another to finish", async () => {
    const gang = readFileSync(join(repo, "examples/jobs/gang.yaml"), "utf8");
    const submit = async (yaml: string): Promise<string> => {
      const res = await fetch(`${server.url}/api/v1/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/yaml" },
        body: yaml,
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    // the blocker holds research's whole quota (16 nominal + 16 borrowed) for two minutes
    const blocker = await submit(
      gang
        .replace("name: gang-demo", "name: blocker")
        .replace("replicas: 2", "replicas: 4")
        .replace("sleep 2", "sleep 120")
        .replace("maxRuntimeS: 600", "maxRuntimeS: 600\nruntimeEstimateS: 120"),
    );
    const waiting = await submit(
      gang.replace("name: gang-demo", "name: waits").replace("maxRuntimeS: 600", "maxRuntimeS: 600\nruntimeEstimateS: 30"),
    );
    await page.goto(`${server.url}/jobs/${waiting}`);
    await page.locator("#job-state", { hasText: "pending" }).waitFor();
    // the twin forecasts off the request path every few seconds; the page refreshes every 2 s
    const forecast = page.locator("#forecast");
    await forecast.waitFor({ timeout: 30_000 });
    expect(await forecast.textContent()).toMatch(/80 % band/);
    await page.screenshot({ path: join(SHOTS, "aidc-console-forecast.png"), fullPage: true });
    for (const id of [waiting, blocker])
      await fetch(`${server.url}/api/v1/jobs/${id}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
  });

  it("predicts with a served model and highlights its explanation", async () => {
    await page.getByRole("link", { name: "Models" }).click();
    await page.locator("#predict-text").fill("A wonderful, moving film. Brilliant acting, I loved it!");
    await page.getByRole("button", { name: "Predict and explain" }).click();
    await page.locator("#explanation .tok").first().waitFor();
    expect(await page.locator("#prediction .badge").textContent()).toBe("positive");
    const words = await page.locator("#explanation .tok").allTextContents();
    expect(words.join(" ").toLowerCase()).toContain("wonderful");
    await page.screenshot({ path: join(SHOTS, "aidc-console-models.png"), fullPage: true });
    // the same text explained by SHAP: the legend reads the log-odds and their sum
    await page.locator("#explain-method").selectOption("shap");
    await page.getByRole("button", { name: "Predict and explain" }).click();
    await page.locator("#explanation-legend", { hasText: "SHAP" }).waitFor();
    expect(await page.locator("#explanation .tok").count()).toBe(words.length);
  });

  it("compares two scheduling policies in the simulator", async () => {
    await page.getByRole("link", { name: "Simulator" }).click();
    await page.locator("#run-sim").click();
    const rows = page.locator("#sim-result tbody tr");
    await rows.nth(1).waitFor({ timeout: 30_000 });
    expect(await rows.count()).toBe(2);
    expect(await page.locator("#sim-result").textContent()).toContain("sjf");
    await page.locator("#sim-result svg").first().waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(SHOTS, "aidc-console-simulator.png"), fullPage: true });
  });

  it("lists a firing alert on the dashboard and acknowledges it", async () => {
    const stopAgent = await startEccAgent(server, token);
    try {
      await page.getByRole("link", { name: "Overview" }).click();
      const item = page.locator(".alert-list li", { hasText: "GpuEccErrors" });
      await item.waitFor();
      expect(await item.textContent()).toContain("on dgx-a-02");
      await item.getByRole("button", { name: "Acknowledge" }).click();
      await page.locator(".alert-list li", { hasText: "acknowledged by admin" }).waitFor();
    } finally {
      stopAgent();
    }
  });

  it("opens the other pages without errors and accepts ?token= once", async () => {
    for (const [path, selector] of [
      ["/nodes", "#nodes-list tbody tr"],
      ["/catalog", "table tbody tr"],
      ["/queues", "#queues-list tbody tr"],
    ] as const) {
      await page.goto(`${server.url}${path}`);
      await page.locator(selector).first().waitFor();
    }
    await page.getByRole("button", { name: "Toggle light/dark theme" }).click();
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    await page.locator("#queues-list tbody tr").first().waitFor();
    await page.waitForTimeout(500); // let the bar chart finish its animation
    await page.screenshot({ path: join(SHOTS, "aidc-console-queues-dark.png"), fullPage: true });
    await page.getByRole("button", { name: "Toggle light/dark theme" }).click();
    await page.goto(`${server.url}/planner`);
    await page.locator("#run-plan").click();
    await page.locator("#plan-stats .stat").first().waitFor();
    await page.locator("#plan-result svg").first().waitFor();
    await page.screenshot({ path: join(SHOTS, "aidc-console-planner.png"), fullPage: true });

    await page.evaluate("localStorage.clear()");
    await page.goto(`${server.url}/nodes?token=${encodeURIComponent(token)}`);
    await page.locator("#nodes-list tbody tr").first().waitFor();
    expect(page.url()).toBe(`${server.url}/nodes`);
    expect(await page.evaluate('localStorage.getItem("aidc.token")')).toBe(token);
    expect(problems).toEqual([]);
  });

  it("sends an unknown token back to the login page", async () => {
    await page.evaluate('localStorage.setItem("aidc.token", "not-a-token")');
    await page.goto(`${server.url}/jobs`);
    await page.locator("#token").waitFor();
    expect(await page.evaluate('localStorage.getItem("aidc.token")')).toBeNull();
  });

  it("says so, instead of going blank, when the server goes away (runs last: it stops the server)", async () => {
    await page.goto(`${server.url}/queues?token=${encodeURIComponent(token)}`);
    await page.locator("#queues-list tbody tr").first().waitFor();
    await server.close();
    await page.getByRole("link", { name: "Nodes" }).click();
    await page.locator(".alert-error", { hasText: "cannot be reached" }).waitFor();
    expect(await page.locator("h1").textContent()).toBe("Nodes");
  });
});
