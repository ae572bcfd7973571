import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { certificateNames, loadServerTls } from "./certificates.js";
import { needsOpenssl } from "../../../../test/support/pki.js";
import { ensureSelfSigned, selfSignedFiles, selfSignedNames } from "./self-signed.js";

describe("ensureSelfSigned", needsOpenssl, () => {
  it("makes a private pair on the first call, for localhost, the loopback addresses and this host", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-selfsigned-"));
    const made = await ensureSelfSigned(dataDir, selfSignedNames("127.0.0.1"));
    expect(made.created).toBe(true);
    expect(made.warnings).toEqual([]);
    const files = selfSignedFiles(dataDir);
    expect(made.certFile).toBe(files.certFile);
    expect(statSync(files.dir).mode & 0o777).toBe(0o700);
    expect(statSync(made.keyFile).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(made.certFile));
    expect(certificateNames(cert)).toEqual(expect.arrayContaining(["localhost", "127.0.0.1", "::1", hostname()]));
    // the key is the certificate's and the pair loads as --tls-cert/--tls-key would
    expect(() => loadServerTls(made)).not.toThrow();
  });

  it("reuses the pair afterwards (same fingerprint) and warns about a name it does not cover", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-selfsigned-"));
    const first = await ensureSelfSigned(dataDir, selfSignedNames("127.0.0.1"));
    const before = loadServerTls(first).fingerprint256;
    const again = await ensureSelfSigned(dataDir, selfSignedNames("10.1.2.3"));
    expect(again.created).toBe(false);
    expect(loadServerTls(again).fingerprint256).toBe(before);
    expect(again.warnings.join("\n")).toContain("does not cover 10.1.2.3");
  });

  it("replaces an expired pair and says that the fingerprint changed", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-selfsigned-"));
    const first = await ensureSelfSigned(dataDir, ["localhost"]);
    const before = loadServerTls(first).fingerprint256;
    const in3Years = Date.now() + 3 * 365 * 86_400_000;
    const later = await ensureSelfSigned(dataDir, ["localhost"], in3Years);
    expect(later.created).toBe(true);
    expect(later.warnings.join("\n")).toMatch(/expired on .*fingerprint changed/);
    expect(loadServerTls(later).fingerprint256).not.toBe(before);
  });

  it("never names the wildcard bind addresses in the certificate", () => {
    expect(selfSignedNames("0.0.0.0", "node7")).toEqual(["localhost", "127.0.0.1", "::1", "node7"]);
    expect(selfSignedNames("::", "node7")).toEqual(["localhost", "127.0.0.1", "::1", "node7"]);
    expect(selfSignedNames("10.0.0.5", "node7")).toEqual(["localhost", "127.0.0.1", "::1", "node7", "10.0.0.5"]);
  });
});
