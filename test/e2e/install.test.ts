// The installable package: `node scripts/pack.mjs` (npm pack of a staged `aidc` that bundles the built
// workspace packages), `npm install -g --prefix <tmp>` of the tarball, then the installed `aidc` runs
// from a directory outside the checkout. Slow (npm fetches the dependencies and builds better-sqlite3),
// so it runs in CI or with AIDC_TEST_INSTALL=1; it needs `npm run build` first.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AIDC_VERSION, defaultCatalog } from "@aidc/core";

const repo = new URL("../../", import.meta.url).pathname;
const enabled = process.env["CI"] !== undefined || process.env["AIDC_TEST_INSTALL"] === "1";
const reason = "set AIDC_TEST_INSTALL=1 (CI does) to pack, install and run the tarball (minutes: npm install builds better-sqlite3)";

const work = mkdtempSync(join(tmpdir(), "aidc-install-"));
const prefix = join(work, "prefix");
const aidc = join(prefix, "bin", "aidc");
const installed = join(prefix, "lib", "node_modules", "aidc");
// run where no checkout is: nothing may be found through the repository's node_modules
const run = (...args: string[]) =>
  spawnSync(aidc, args, { cwd: work, encoding: "utf8", env: { ...process.env, XDG_CONFIG_HOME: join(work, "config") } });

describe("installed aidc (npm pack + npm install -g)", { skip: !enabled, meta: { skipReason: reason } }, () => {
  let tarball = "";
  let server: ChildProcess | undefined;

  beforeAll(() => {
    const pack = spawnSync(process.execPath, [join(repo, "scripts/pack.mjs"), "--out", join(work, "pack")], { encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    tarball = (JSON.parse(pack.stdout) as { tarball: string }).tarball;
    const install = spawnSync("npm", ["install", "-g", "--prefix", prefix, tarball, "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: work,
      encoding: "utf8",
    });
    expect(install.status, install.stderr).toBe(0);
  }, 30 * 60_000);

  afterAll(() => {
    server?.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  });

  it("aidc --version", () => {
    const r = run("--version");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${AIDC_VERSION}\n`);
  });

  it("aidc catalog accelerators (the catalog is inside)", () => {
    const r = run("catalog", "accelerators", "--json");
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(defaultCatalog().accelerators.length);
  });

  it("aidc plan train on the examples it ships and on the checkout's", () => {
    for (const file of [
      join(installed, "examples/scenarios/llama31-405b-16k.yaml"),
      join(repo, "examples/scenarios/llama31-405b-16k.yaml"),
    ]) {
      const r = run("plan", "train", file);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/llama-3\.1-405b on 16384 x h100/);
    }
    const schemas = spawnSync("ls", [join(installed, "schemas")], { encoding: "utf8" }).stdout;
    expect(schemas).toContain("job.schema.json");
  });

  it("aidc serve answers /healthz and serves the console", async () => {
    const child = spawn(aidc, ["serve", "--port", "0", "--data-dir", join(work, "data"), "--log-level", "warn"], {
      cwd: work,
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = child;
    const url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      const look = (d: Buffer): void => {
        seen += d.toString();
        const m = /(http:\/\/[\d.]+:\d+)/.exec(seen);
        if (m?.[1]) resolve(m[1]);
      };
      child.stdout?.on("data", look);
      child.stderr?.on("data", look);
      child.once("exit", (code) => reject(new Error(`aidc serve exited with ${String(code)}: ${seen}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script[^>]+src="[^"]*assets\//);
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    server = undefined;
  }, 120_000);
});
