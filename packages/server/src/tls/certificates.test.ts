import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "@aidc/core";
import { issue, makeCa, needsOpenssl, type PemPair } from "../../../../test/support/pki.js";
import { loadServerTls } from "./certificates.js";
import { checkTlsOptions, prepareTls } from "./setup.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-tls-certs-"));
let ca: PemPair;
let server: PemPair;
let other: PemPair;

beforeAll(() => {
  ca = makeCa(dir, "ca");
  server = issue(dir, ca, "server", { sans: ["localhost", "127.0.0.1", "aidc.example"] });
  other = issue(dir, ca, "other");
});

/** The issues of a call that must be refused as bad input. */
function issuesOf(fn: () => unknown): { path: string; code: string; message: string }[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return [...(e as InvalidInputError).issues];
  }
  throw new Error("expected an InvalidInputError");
}

describe("loadServerTls", needsOpenssl, () => {
  it("reads a matching pair: its names and the fingerprint openssl computes for the same certificate", () => {
    const tls = loadServerTls({ ...server, clientCaFile: ca.certFile });
    const openssl = execFileSync("openssl", ["x509", "-in", server.certFile, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" });
    expect(openssl.trim().split("=")[1]).toBe(tls.fingerprint256);
    expect(tls.names).toEqual(["localhost", "127.0.0.1", "aidc.example"]);
    expect(tls.clientCa).toContain("BEGIN CERTIFICATE");
  });

  it("refuses a key that belongs to another certificate, naming --tls-key", () => {
    const issues = issuesOf(() => loadServerTls({ certFile: server.certFile, keyFile: other.keyFile }));
    expect(issues).toEqual([expect.objectContaining({ path: "--tls-key", code: "key_mismatch" })]);
  });

  it("reports every unreadable or malformed file under its own flag", () => {
    const junk = join(dir, "junk.pem");
    writeFileSync(junk, "not a pem\n");
    const issues = issuesOf(() => loadServerTls({ certFile: junk, keyFile: join(dir, "missing.key"), clientCaFile: junk }));
    expect(issues.map((i) => `${i.path} ${i.code}`).sort()).toEqual([
      "--tls-cert invalid_pem",
      "--tls-client-ca invalid_pem",
      "--tls-key unreadable",
    ]);
  });

  it("refuses an encrypted key with the command that decrypts it", () => {
    const enc = join(dir, "enc.key");
    execFileSync("openssl", ["pkey", "-in", server.keyFile, "-aes256", "-passout", "pass:secret", "-out", enc]);
    const issues = issuesOf(() => loadServerTls({ certFile: server.certFile, keyFile: enc }));
    expect(issues[0]).toMatchObject({ path: "--tls-key", code: "invalid_key" });
    expect(issues[0]?.message).toContain("encrypted with a passphrase");
  });

  it("refuses a certificate outside its validity period", () => {
    const in90Days = Date.now() + 90 * 86_400_000;
    const issues = issuesOf(() => loadServerTls(server, in90Days));
    expect(issues).toEqual([expect.objectContaining({ path: "--tls-cert", code: "expired" })]);
  });

  it("refuses a client CA file that holds a leaf certificate instead of a CA", () => {
    const issues = issuesOf(() => loadServerTls({ ...server, clientCaFile: other.certFile }));
    expect(issues).toEqual([expect.objectContaining({ path: "--tls-client-ca", code: "not_a_ca" })]);
  });
});

describe("checkTlsOptions", needsOpenssl, () => {
  it("needs both halves of a pair, one way to get a certificate, and TLS under a client CA", () => {
    expect(issuesOf(() => checkTlsOptions({ certFile: "c" })).map((i) => i.path)).toEqual(["--tls-key"]);
    expect(issuesOf(() => checkTlsOptions({ keyFile: "k" })).map((i) => i.path)).toEqual(["--tls-cert"]);
    expect(issuesOf(() => checkTlsOptions({ certFile: "c", keyFile: "k", selfSigned: true })).map((i) => i.path)).toEqual([
      "--tls-self-signed",
    ]);
    expect(issuesOf(() => checkTlsOptions({ clientCaFile: "ca" })).map((i) => i.path)).toEqual(["--tls-client-ca"]);
    expect(issuesOf(() => checkTlsOptions({})).map((i) => i.path)).toEqual(["--tls-cert"]);
    expect(() => checkTlsOptions({ selfSigned: true, clientCaFile: "ca" })).not.toThrow();
  });
});

describe("prepareTls", needsOpenssl, () => {
  it("warns when the private key is readable by other users, and not once it is mode 600", async () => {
    const pair = issue(dir, ca, "modes");
    chmodSync(pair.keyFile, 0o644);
    expect((await prepareTls(pair, dir, "127.0.0.1")).warnings.join("\n")).toContain("is readable by other users (mode 644); chmod 600 it");
    chmodSync(pair.keyFile, 0o600);
    expect((await prepareTls(pair, dir, "127.0.0.1")).warnings).toEqual([]);
  });
});
