import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import type { RunningServer } from "@aidc/server";
import { trainSentiment } from "@aidc/workloads";
import { chromiumAvailable, openConsole, type ConsoleSession } from "./chromium.js";
import { fixture } from "../support/data.js";

const haveChromium = chromiumAvailable("model privacy page test");
const noChromium = {
  skip: !haveChromium,
  meta: haveChromium ? {} : { skipReason: "chromium is not installed (apt-get install chromium)" },
};

describe("model page shows the DP budget, in Chromium", noChromium, () => {
  let server: RunningServer;
  let page: Page;
  let token: string;
  let session: ConsoleSession;

  beforeAll(async () => {
    session = await openConsole("model-privacy", {
      // a DP-trained package and a plain one in the operator's models folder
      prepare: async (dataDir) => {
        const dataPath = fixture("imdb/train.jsonl.gz");
        const hyper = { bits: 14 };
        await trainSentiment({
          preset: "fast",
          dataPath,
          outDir: join(dataDir, "models", "private"),
          hyper,
          dp: { epsilon: 3, delta: 1e-5, batch: 500, epochs: 2 },
        });
        await trainSentiment({ preset: "fast", dataPath, outDir: join(dataDir, "models", "plain"), hyper: { ...hyper, epochs: 1 } });
      },
    });
    ({ server, token, page } = session);
  });
  afterAll(() => session?.close());

  it("lists each served model with its (ε, δ), or none", async () => {
    await page.goto(`${server.url}/models?token=${encodeURIComponent(token)}`);
    const dp = page.locator('[data-privacy="private"]');
    await dp.locator(".badge").waitFor();
    expect(await dp.textContent()).toMatch(/^ε = [0-2]\.\d\d δ = 0\.00001$|^ε = 3\.00 δ = 0\.00001$/);
    expect(await dp.getAttribute("title")).toMatch(/noise multiplier σ=\d+\.\d{3}, clipping norm 1, Poisson sampling q=0\.250/);
    await expect.poll(() => page.locator('[data-privacy="plain"]').textContent()).toBe("none (not trained with DP)");
    expect(session.problems).toEqual([]);
  });
});
