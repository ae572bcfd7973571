import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { issue, makeCa, needsOpenssl } from "../../../../test/support/pki.js";
import { runCli } from "../run-cli.testing.js";

const repo = fileURLToPath(new URL("../../../../", import.meta.url));

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly err: () => string;
}

/** Start `aidc serve` as a real process with extra flags; resolves with its URL once it prints one on stdout. */
function serve(dataDir: string, extra: string[]): Promise<Started> {
  const args = [
    join(repo, "packages/cli/dist/bin.js"),
    "serve",
    "--port",
    "0",
    "--data-dir",
    dataDir,
    "--isolation",
    "none",
    "--metrics-interval",
    "0",
    ...extra,
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(https?:\/\/\S+)\n/m.exec(out);
      if (m?.[1] !== undefined) resolve({ child, url: m[1], err: () => err });
    });
    child.on("close", (code) => reject(new Error(`aidc serve exited ${code}: ${err}`)));
  });
}

function stop(s: Started): Promise<void> {
  return new Promise((resolve) => {
    s.child.removeAllListeners("close");
    s.child.on("close", () => resolve());
    s.child.kill("SIGTERM");
  });
}

const opensslFingerprint = (file: string): string =>
  execFileSync("openssl", ["x509", "-in", file, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" }).trim().split("=")[1] ?? "";

describe("aidc serve --tls-self-signed (a real process)", needsOpenssl, () => {
  it("makes a certificate on the first start, prints its fingerprint, and the CLI works with --ca of that certificate", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "aidc-serve-tls-")), "data");
    const cert = join(dataDir, "tls", "self-signed.crt");
    const first = await serve(dataDir, ["--tls-self-signed"]);
    let fingerprint = "";
    try {
      expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      fingerprint = opensslFingerprint(cert);
      expect(first.err()).toContain(`tls: made a self-signed certificate ${cert} for localhost, 127.0.0.1, ::1`);
      expect(first.err()).toContain(`tls: SHA-256 fingerprint ${fingerprint}\n`);
      const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
      const ok = await runCli(["status", "--url", first.url, "--token", token, "--ca", cert]);
      expect(ok.err).toBe("");
      expect(ok.code).toBe(0);
      const refused = await runCli(["status", "--url", first.url, "--token", token]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(`SHA-256 fingerprint ${fingerprint}`);
    } finally {
      await stop(first);
    }
    // the second start keeps the pair: clients that trust it keep working
    const second = await serve(dataDir, ["--tls-self-signed"]);
    try {
      expect(second.err()).toContain(`tls: self-signed certificate ${cert}`);
      expect(second.err()).toContain(`tls: SHA-256 fingerprint ${fingerprint}\n`);
    } finally {
      await stop(second);
    }
  });

  it("SIGHUP serves rotated certificate files, and keeps the old certificate when the new files are bad", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-serve-tls-"));
    const ca = makeCa(dir, "ca");
    const first = issue(dir, ca, "first");
    const second = issue(dir, ca, "second");
    const live = { certFile: join(dir, "live.crt"), keyFile: join(dir, "live.key") };
    copyFileSync(first.certFile, live.certFile);
    copyFileSync(first.keyFile, live.keyFile);
    const s = await serve(join(dir, "data"), ["--tls-cert", live.certFile, "--tls-key", live.keyFile]);
    const waitFor = async (text: string): Promise<void> => {
      for (let i = 0; i < 100 && !s.err().includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect(s.err()).toContain(text);
    };
    try {
      copyFileSync(second.certFile, live.certFile);
      copyFileSync(second.keyFile, live.keyFile);
      s.child.kill("SIGHUP");
      await waitFor(`tls: reloaded ${live.certFile}; SHA-256 fingerprint ${opensslFingerprint(second.certFile)}`);
      copyFileSync(first.keyFile, live.keyFile);
      s.child.kill("SIGHUP");
      await waitFor("tls: reload failed, still serving the previous certificate: --tls-key:");
      // still up and serving
      const token = readFileSync(join(dir, "data", "admin-token"), "utf8").trim();
      expect((await runCli(["status", "--url", s.url, "--token", token, "--ca", ca.certFile])).code).toBe(0);
    } finally {
      await stop(s);
    }
  });

  it("refuses half a pair as bad input (exit 2, naming the flag) before anything is written", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "aidc-serve-tls-")), "data");
    const child = spawn(
      process.execPath,
      [join(repo, "packages/cli/dist/bin.js"), "serve", "--port", "0", "--data-dir", dataDir, "--tls-cert", join(dataDir, "x.pem")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(2);
    expect(err).toContain("--tls-key: --tls-cert needs --tls-key");
    expect(existsSync(join(dataDir, "aidc.db"))).toBe(false);
  });
});
