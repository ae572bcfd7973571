import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const aidc = new URL("../../bin/aidc", import.meta.url).pathname;
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** Run `aidc serve` through a shell command line, wait until `output()` shows the URL, then stop it with SIGTERM. */
async function serveOnce(command: string, output: () => string): Promise<void> {
  const child = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"], detached: true });
  let piped = "";
  child.stdout.on("data", (d: Buffer) => (piped += d.toString()));
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    const deadline = Date.now() + 30_000;
    while (!/http:\/\/127\.0\.0\.1:\d+/.test(output() + piped)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`aidc serve did not start: ${output()}${piped}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    process.kill(-(child.pid ?? 0), "SIGTERM");
    await exit;
  }
}

describe("aidc serve keeps the admin token out of logs", () => {
  it("writes the token to a mode-600 file and prints only its path when output is redirected", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-secrets-"));
    const log = join(dataDir, "..", `${dataDir.split("/").pop() ?? "x"}.log`);
    const read = (): string => {
      try {
        return readFileSync(log, "utf8");
      } catch {
        return "";
      }
    };
    for (let start = 0; start < 2; start++) {
      // the second start finds the token file and must not print the token either
      await serveOnce(`exec ${aidc} serve --port 0 --data-dir ${dataDir} --metrics-interval 0 >>${log} 2>&1`, read);
    }
    const tokenFile = join(dataDir, "admin-token");
    const token = readFileSync(tokenFile, "utf8").trim();
    expect(token).toMatch(/^aidc_/);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const out = read();
    expect(out).toContain(tokenFile);
    expect(out).not.toContain(token);
    expect(out).not.toContain("?token=");
  }, 90_000);

  it(
    "prints the one-click login link to a person at a terminal",
    {
      skip: !hasScript,
      timeout: 90_000,
      meta: hasScript ? {} : { skipReason: "script(1) is not installed (util-linux), so no pseudo-terminal" },
    },
    async () => {
      // `script` gives the server a pseudo-terminal, as a person starting it by hand has
      const dataDir = mkdtempSync(join(tmpdir(), "aidc-secrets-tty-"));
      const typescript = join(dataDir, "typescript");
      const read = (): string => {
        try {
          return readFileSync(typescript, "utf8");
        } catch {
          return "";
        }
      };
      await serveOnce(
        `exec script -qfec "${aidc} serve --port 0 --data-dir ${dataDir} --metrics-interval 0" ${typescript} >/dev/null`,
        read,
      );
      const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
      expect(read()).toContain(`?token=${token}`);
    },
  );
});
