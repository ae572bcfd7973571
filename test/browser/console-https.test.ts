import { createHash, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type BrowserContext } from "playwright-core";
import { startServer, type RunningServer } from "@aidc/server";
import { chromiumAvailable, CHROMIUM } from "./chromium.js";
import { needsOpenssl } from "../support/pki.js";

const haveChromium = chromiumAvailable("console over HTTPS");
const noChromium = {
  skip: !haveChromium || needsOpenssl.skip,
  meta: !haveChromium ? { skipReason: "chromium is not installed (apt-get install chromium)" } : needsOpenssl.meta,
};
const repo = new URL("../../", import.meta.url).pathname;

/** The base64 SHA-256 of a certificate's public key (SPKI): what Chromium's --ignore-certificate-errors-spki-list pins. */
function spkiHash(pem: string): string {
  const der = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(der).digest("base64");
}

describe("the console over HTTPS (aidc serve --tls-self-signed) in Chromium", noChromium, () => {
  let server: RunningServer;
  let context: BrowserContext;
  const dataDir = mkdtempSync(join(tmpdir(), "aidc-https-console-data-"));
  const profile = mkdtempSync(join(tmpdir(), "aidc-https-console-profile-"));

  beforeAll(async () => {
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir,
      clusterFile: join(repo, "examples/clusters/demo.yaml"),
      logLevel: "silent",
      metricsIntervalS: 0,
      executor: "sim",
      tls: { selfSigned: true },
    });
    // the browser trusts exactly this server's key, as a user who compared the fingerprint would
    const pin = spkiHash(readFileSync(join(dataDir, "tls", "self-signed.crt"), "utf8"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        `--ignore-certificate-errors-spki-list=${pin}`,
      ],
    });
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
    for (const d of [dataDir, profile]) rmSync(d, { recursive: true, force: true });
  });

  it("loads the console and its API data over https://, with no page or console errors", async () => {
    const token = readFileSync(server.adminTokenFile, "utf8").trim();
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    const apiCalls: string[] = [];
    page.on("response", (r) => {
      if (r.url().includes("/api/v1/")) apiCalls.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${server.url}/nodes?token=${encodeURIComponent(token)}`);
    expect(page.url()).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    // the demo cluster's nodes arrived through the API over TLS
    await page.getByText("dgx-a-02").first().waitFor();
    expect(apiCalls.length).toBeGreaterThan(0);
    for (const call of apiCalls) expect(call).toMatch(/^200 https:\/\//);
    expect(problems).toEqual([]);
  });
});
