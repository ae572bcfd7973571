import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RunningServer } from "@aidc/server";
import { chromiumAvailable, openConsole, startEccAgent, type ConsoleSession } from "./chromium.js";

const ALERTS = `apiVersion: aidc/v1
kind: AlertRules
name: alerts-page-test
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
const haveChromium = chromiumAvailable("alerts page test");

const noChromium = {
  skip: !haveChromium,
  meta: haveChromium ? {} : { skipReason: "chromium is not installed (apt-get install chromium)" },
};
describe("alerts page in Chromium", noChromium, () => {
  let server: RunningServer;
  let page: Page;
  let token: string;
  let problems: string[] = [];

  let session: ConsoleSession;
  beforeAll(async () => {
    session = await openConsole("alerts", { alerts: ALERTS });
    ({ server, token, page } = session);
    problems = session.problems;
  });
  afterAll(() => session?.close());

  it("lists a firing alert, rejects a bad silence with its path, creates one and deletes it", async () => {
    const stopAgent = await startEccAgent(server, token);
    try {
      await page.goto(`${server.url}/alerts?token=${encodeURIComponent(token)}`);
      await page.locator("h1", { hasText: "Alerts" }).waitFor();
      const row = page.locator("#alerts-list tbody tr", { hasText: "GpuEccErrors" });
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("firing");
      expect(await row.textContent()).toContain("dgx-a-02");
      expect(await row.textContent()).toContain("GPU 3 on dgx-a-02 reports ECC errors");
      expect(await page.locator("#silences-list").textContent()).toContain("No silences.");

      // no matchers: the server's issue names the field
      await page.getByLabel("Duration (minutes)").fill("30");
      await page.getByRole("button", { name: "Create silence" }).click();
      await page.locator("#silence-issues li").first().waitFor();
      expect(await page.locator("#silence-issues li").first().textContent()).toMatch(/^matchers: /);

      await page.getByLabel("Matchers").fill("alertname=GpuEccErrors, node=dgx-a-02");
      await page.getByLabel("Comment").fill("replacing the card");
      await page.getByRole("button", { name: "Create silence" }).click();
      const silence = page.locator("#silences-list tbody tr", { hasText: "replacing the card" });
      await silence.waitFor();
      expect(await silence.textContent()).toContain("alertname=GpuEccErrors, node=dgx-a-02");
      expect(await page.locator("#silence-issues").textContent()).toBe("");
      await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain("silenced");

      await silence.getByRole("button", { name: /^Delete silence/ }).click();
      await page.locator("#silences-list", { hasText: "No silences." }).waitFor();
      const left = (await (await fetch(`${server.url}/api/v1/silences`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        silences: unknown[];
      };
      expect(left.silences).toEqual([]);

      await row.getByRole("button", { name: "Acknowledge" }).click();
      await expect.poll(() => row.textContent()).toContain("acknowledged by admin");
    } finally {
      stopAgent();
    }
    // the browser logs the expected 400 answer as a console error; nothing else may be there
    expect(problems.filter((p) => !p.includes("status of 400"))).toEqual([]);
  });
});
