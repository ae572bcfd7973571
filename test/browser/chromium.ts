import { existsSync } from "node:fs";
import { chromium, type BrowserContext } from "playwright-core";

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
