import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RunningServer } from "@aidc/server";
import { fixture } from "../support/data.js";
import { chromiumAvailable, openConsole, type ConsoleSession } from "./chromium.js";

const haveChromium = chromiumAvailable("federated page test");
const noChromium = {
  skip: !haveChromium,
  meta: haveChromium ? {} : { skipReason: "chromium is not installed (apt-get install chromium)" },
};

describe("federated runs in the console (Chromium)", noChromium, () => {
  let server: RunningServer;
  let page: Page;
  let token: string;
  let session: ConsoleSession;
  beforeAll(async () => {
    session = await openConsole("federated");
    ({ server, token, page } = session);
  });
  afterAll(() => session?.close());

  const api = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const publish = async (project: string, name: string, data: Buffer): Promise<void> => {
    const { id } = (await api("POST", "/api/v1/uploads")) as { id: string };
    const up = await fetch(`${server.url}/api/v1/uploads/${id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: data,
    });
    expect(up.status).toBe(200);
    const sha256 = createHash("sha256").update(data).digest("hex");
    expect(await api("POST", "/api/v1/artifacts", { project, name, kind: "dataset", uploadId: id, sha256 })).toHaveProperty("id");
  };

  it("lists a run and shows its rounds, metrics, bytes per site and accuracy curve", async () => {
    const lines = gunzipSync(readFileSync(fixture("imdb/train.jsonl.gz")))
      .toString("utf8")
      .trim()
      .split("\n");
    await api("POST", "/api/v1/projects", { name: "fed-ui" });
    for (const k of [0, 1]) await publish("fed-ui", `shard-${k}`, Buffer.from(lines.slice(k * 300, k * 300 + 300).join("\n") + "\n"));
    await publish("fed-ui", "eval", Buffer.from(lines.slice(1500, 1800).join("\n") + "\n"));
    const run = await api("POST", "/api/v1/federated/runs", {
      name: "fed-ui-run",
      sites: [{ dataset: "fed-ui/shard-0" }, { dataset: "fed-ui/shard-1" }],
      rounds: 2,
      secureAggregation: true,
      hyper: { bits: 12 },
      evalDataset: "fed-ui/eval",
    });
    const id = run["id"] as string;
    expect(id).toMatch(/^fr-/);
    await expect
      .poll(async () => (await api("GET", `/api/v1/federated/runs/${id}`))["status"], { timeout: 120_000, interval: 500 })
      .toBe("succeeded");

    await page.goto(`${server.url}/federated?token=${encodeURIComponent(token)}`);
    const row = page.locator("#federated-list tbody tr", { hasText: id });
    await row.waitFor();
    expect(await row.textContent()).toContain("succeeded");
    expect(await row.textContent()).toContain("secure agg.");
    await row.getByRole("link", { name: id }).click();
    await page.locator("h1", { hasText: "Federated run" }).waitFor();
    const rounds = page.locator("section.card tbody tr");
    await expect.poll(() => rounds.count()).toBe(2);
    expect(await rounds.first().textContent()).toContain("2 (0, 1)");
    expect(await rounds.first().textContent()).toContain("KiB");
    await page.locator("#federated-curve svg").waitFor();
    expect(await page.locator("body").textContent()).toContain("secure aggregation");
    expect(session.problems).toEqual([]);
  }, 180_000);
});
