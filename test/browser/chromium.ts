import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startServer, type RunningServer } from "@aidc/server";

/** Debian's Chromium (.ci/run installs it with apt-get); never a downloaded browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser suites can run; under CI=true a missing browser is an error, not a skip. */
export function chromiumAvailable(suite: string): boolean {
  const have = existsSync(CHROMIUM);
  if (!have && process.env.CI === "true") throw new Error(`CI=true but ${CHROMIUM} is missing (.ci/run installs it with apt-get)`);
  if (!have) console.warn(`${CHROMIUM} is not installed (apt-get install chromium); ${suite} skipped`);
  return have;
}

/**
 * Headless Chromium with a fresh profile, flags that keep it off the network (this machine's
 * closed network otherwise refuses its background connections).
 */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    viewport: { width: 1360, height: 900 },
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface ConsoleSession {
  readonly server: RunningServer;
  readonly token: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Page errors and console errors seen so far (tests assert none unexpected). */
  readonly problems: string[];
  close(): Promise<void>;
}

const repo = new URL("../../", import.meta.url).pathname;

/**
 * The demo cluster served in-process with the built console, and Chromium on a fresh profile.
 * `alerts` replaces the built-in alert rules; `prepare` runs on the data dir before the server starts.
 */
export async function openConsole(
  name: string,
  o: { alerts?: string; prepare?: (dataDir: string) => Promise<void> } = {},
): Promise<ConsoleSession> {
  const dist = join(repo, "packages/console/dist/index.html");
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build -w @aidc/console first`);
  const dataDir = mkdtempSync(join(tmpdir(), `aidc-${name}-data-`));
  const profile = mkdtempSync(join(tmpdir(), `aidc-${name}-profile-`));
  await o.prepare?.(dataDir);
  let alertsFile: string | undefined;
  if (o.alerts !== undefined) {
    alertsFile = join(dataDir, "alerts.yaml");
    writeFileSync(alertsFile, o.alerts);
  }
  const server = await startServer({
    ...(alertsFile ? { alertsFile } : {}),
    host: "127.0.0.1",
    port: 0,
    dataDir,
    clusterFile: join(repo, "examples/clusters/demo.yaml"),
    logLevel: "silent",
    tickMs: 200,
  });
  const token = readFileSync(server.adminTokenFile, "utf8").trim();
  const context = await launchChromium(profile);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  return {
    server,
    token,
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      await server.close();
      for (const d of [dataDir, profile]) rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * A remote agent that keeps reporting ECC errors on GPU 3 of dgx-a-02 (every 300 ms), so an alert
 * rule on aidc_gpu_ecc_errors_total fires and stays firing. Returns the function that stops it.
 */
export async function startEccAgent(server: RunningServer, token: string): Promise<() => void> {
  const push = async (): Promise<number> =>
    (
      await fetch(`${server.url}/api/v1/metrics/samples`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ samples: [{ metric: "aidc_gpu_ecc_errors_total", labels: { node: "dgx-a-02", gpu: "3" }, value: 2 }] }),
      })
    ).status;
  const first = await push();
  if (first !== 200) throw new Error(`pushing a metric sample answered ${first}`);
  const timer = setInterval(() => void push(), 300);
  return () => clearInterval(timer);
}
