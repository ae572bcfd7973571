import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RunningServer } from "@aidc/server";
import { chromiumAvailable, openConsole, type ConsoleSession } from "./chromium.js";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const haveChromium = chromiumAvailable("audit page test");
const noChromium = {
  skip: !haveChromium,
  meta: haveChromium ? {} : { skipReason: "chromium is not installed (apt-get install chromium)" },
};

describe("audit page in Chromium", noChromium, () => {
  let server: RunningServer;
  let page: Page;
  let token: string;
  let session: ConsoleSession;
  const as = async (who: string, method: string, path: string, body?: unknown, raw?: Buffer) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${who}`,
        ...(raw ? { "content-type": "application/offset+octet-stream", "upload-offset": "0" } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(raw ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  beforeAll(async () => {
    session = await openConsole("audit");
    ({ server, token, page } = session);
    const ann = await server.store.tokens.create("ann", "user", Date.now());
    const eve = await server.store.tokens.create("eve", "user", Date.now());
    const { id } = (await (await as(ann, "POST", "/api/v1/uploads")).json()) as { id: string };
    await as(ann, "PATCH", `/api/v1/uploads/${id}`, undefined, Buffer.from('{"text":"x","label":1}\n'));
    expect((await as(ann, "POST", "/api/v1/artifacts", { project: "nlp", name: "reviews", kind: "dataset", uploadId: id })).status).toBe(
      201,
    );
    expect((await as(ann, "GET", "/api/v1/artifacts/nlp/reviews/1/content")).status).toBe(200);
    expect((await as(eve, "GET", "/api/v1/artifacts/nlp/reviews/1/content")).status).toBe(404);
  });
  afterAll(() => session?.close());

  it("lists reads and denied attempts, filters by outcome (kept in the URL), verifies the chain, and passes an accessibility scan", async () => {
    await page.goto(`${server.url}/audit?token=${encodeURIComponent(token)}`);
    await page.locator("h1", { hasText: "Audit log" }).waitFor();
    const rows = page.locator("#audit-list tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toMatch(/eve.*dataset\.read.*denied.*nlp\/reviews:1/);
    expect(await rows.nth(1).textContent()).toMatch(/ann.*dataset\.read.*allowed.*nlp\/reviews:1/);
    await page.getByLabel("Outcome").selectOption("denied");
    await expect.poll(() => rows.count()).toBe(1);
    expect(page.url()).toContain("outcome=denied");
    expect(await rows.first().textContent()).toContain("is not a member of project");
    await page.getByRole("button", { name: "Verify the chain" }).click();
    await expect.poll(() => page.locator("#audit-verify-result").textContent()).toBe("intact (2 entries)");
    await page.addScriptTag({ content: AXE });
    const violations = (await page.evaluate(
      `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id))`,
    )) as string[];
    expect(violations).toEqual([]);
    expect(session.problems).toEqual([]);
  });

  it("shows a project's data rules and lets its owner raise dataset:read and set retention (both audited)", async () => {
    await page.goto(`${server.url}/data-rules?project=nlp&token=${encodeURIComponent(token)}`);
    const view = page.locator("#rules-view");
    await expect.poll(() => view.textContent()).toContain("reader and up (default)");
    expect(await view.textContent()).toContain("none: every version is kept");
    await page.getByLabel("Least role that reads datasets").selectOption("publisher");
    await page.getByRole("button", { name: "Set dataset:read" }).click();
    await expect.poll(() => view.textContent()).toContain("publisher and up");
    await page.getByLabel("Keep the newest versions of each dataset").fill("3");
    await page.getByRole("button", { name: "Set retention" }).click();
    await expect.poll(() => view.textContent()).toContain("keep the newest 3 (dataset; set by admin)");
    const log = (await (await as(token, "GET", "/api/v1/audit?project=nlp")).json()) as { entries: { action: string }[] };
    expect(log.entries.slice(0, 2).map((e) => e.action)).toEqual(["retention.set", "permission.set"]);
    await page.addScriptTag({ content: AXE });
    const violations = (await page.evaluate(
      `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id))`,
    )) as string[];
    expect(violations).toEqual([]);
    expect(session.problems).toEqual([]);
  });
});
