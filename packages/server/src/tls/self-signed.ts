import { execFile } from "node:child_process";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { hostname } from "node:os";
import { join } from "node:path";
import { AidcError, InvalidInputError } from "@aidc/core";
import { canonicalName, certificateNames } from "./certificates.js";

/** Where `--tls-self-signed` keeps its pair, under the data directory (the key: mode 600 in a mode 700 folder). */
export function selfSignedFiles(dataDir: string): { dir: string; certFile: string; keyFile: string } {
  const dir = join(dataDir, "tls");
  return { dir, certFile: join(dir, "self-signed.crt"), keyFile: join(dir, "self-signed.key") };
}

/** 825 days: the longest validity clients that follow the CA/Browser Forum's rules for TLS certificates accept. */
const VALIDITY_DAYS = 825;

/**
 * The names a self-signed certificate covers: localhost, the loopback addresses, this host's name and the
 * address the server binds when it is a specific one (not 0.0.0.0 or ::).
 */
export function selfSignedNames(bindHost: string, host: string = hostname()): string[] {
  const names = ["localhost", "127.0.0.1", "::1"];
  for (const n of [host, bindHost]) if (n !== "" && n !== "0.0.0.0" && n !== "::" && !names.includes(n)) names.push(n);
  return names;
}

function openssl(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("openssl", [...args], { timeout: 30_000 }, (err, _out, stderr) => {
      if (err === null) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new AidcError(
          "INTERNAL",
          missing
            ? "--tls-self-signed needs the openssl binary on PATH (Debian package openssl)"
            : `openssl could not make the self-signed certificate: ${stderr.trim() || err.message}`,
          { cause: err },
        ),
      );
    });
  });
}

export interface SelfSigned {
  readonly certFile: string;
  readonly keyFile: string;
  /** True when this call made the pair (first start, or the old one expired). */
  readonly created: boolean;
  /** What the operator should know (an expired pair replaced, a name the kept certificate does not cover). */
  readonly warnings: readonly string[];
}

/**
 * The self-signed pair of this data directory: made on the first start (a P-256 key from node:crypto, the
 * certificate signed by `openssl req -x509`), reused afterwards so the fingerprint clients pinned stays valid;
 * replaced only when it has expired. The key is written (mode 600) before the certificate, and the certificate
 * is renamed into place last: a crash in between leaves no certificate, so the next start makes a new pair.
 */
export async function ensureSelfSigned(dataDir: string, names: readonly string[], nowMs: number = Date.now()): Promise<SelfSigned> {
  const { dir, certFile, keyFile } = selfSignedFiles(dataDir);
  const warnings: string[] = [];
  if (existsSync(certFile) && existsSync(keyFile)) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(readFileSync(certFile));
    } catch (cause) {
      const message = `${certFile} is not a readable certificate (${(cause as Error).message}); remove ${dir} to make a new pair`;
      throw new InvalidInputError("Invalid --tls-self-signed certificate", [{ code: "invalid_pem", path: "--tls-self-signed", message }]);
    }
    if (Date.parse(cert.validTo) > nowMs) {
      const covered = certificateNames(cert);
      const missing = names.filter((n) => !covered.includes(canonicalName(n)));
      if (missing.length > 0)
        warnings.push(
          `the self-signed certificate in ${certFile} does not cover ${missing.join(", ")}; remove ${dir} to make one that does (its fingerprint changes)`,
        );
      return { certFile, keyFile, created: false, warnings };
    }
    warnings.push(`the self-signed certificate in ${certFile} expired on ${cert.validTo}; made a new one (its fingerprint changed)`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const tmpKey = `${keyFile}.${process.pid}.tmp`;
  const tmpCert = `${certFile}.${process.pid}.tmp`;
  writeFileSync(tmpKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const san = names.map((n) => (isIP(n) !== 0 ? `IP:${n}` : `DNS:${n}`)).join(",");
  try {
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      tmpKey,
      "-sha256",
      "-days",
      String(VALIDITY_DAYS),
      "-subj",
      "/O=aidc/CN=aidc self-signed",
      "-addext",
      `subjectAltName=${san}`,
      "-addext",
      "keyUsage=critical,digitalSignature,keyCertSign",
      "-addext",
      "extendedKeyUsage=serverAuth",
      "-out",
      tmpCert,
    ]);
    renameSync(tmpKey, keyFile);
    renameSync(tmpCert, certFile);
  } finally {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
  }
  return { certFile, keyFile, created: true, warnings };
}
