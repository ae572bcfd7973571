import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { InvalidInputError, type Issue } from "@aidc/core";

/** The PEM files `aidc serve` was given; each path is reported under the flag that named it. */
export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA certificate(s) that sign the node agents' client certificates (`--tls-client-ca`). */
  readonly clientCaFile?: string;
}

/** Checked key material, ready for node:https, and what to tell the operator about it. */
export interface ServerTls {
  /** The certificate file's text (the leaf first, then any intermediates). */
  readonly cert: string;
  readonly key: string;
  readonly clientCa?: string;
  /** SHA-256 of the leaf certificate's DER bytes, as `AB:CD:…` (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
  /** The DNS names and IP addresses the leaf certificate is valid for (its subjectAltName). */
  readonly names: readonly string[];
  readonly notAfter: Date;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function read(path: string, flag: string, issues: Issue[]): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (cause) {
    issues.push({ code: "unreadable", path: flag, message: `cannot read ${path}: ${(cause as Error).message}` });
    return undefined;
  }
}

/** Every certificate of a PEM bundle; an issue under `flag` when there is none or one does not parse. */
export function parseCertificates(text: string, path: string, flag: string, issues: Issue[]): X509Certificate[] {
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) {
    issues.push({ code: "invalid_pem", path: flag, message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
    return [];
  }
  const certs: X509Certificate[] = [];
  blocks.forEach((block, i) => {
    try {
      certs.push(new X509Certificate(block));
    } catch (cause) {
      issues.push({
        code: "invalid_pem",
        path: flag,
        message: `certificate ${i + 1} of ${path} does not parse: ${(cause as Error).message}`,
      });
    }
  });
  return certs;
}

/** An IPv6 address in its short form (node prints certificates' as "0:0:0:0:0:0:0:1"); other names as they are. */
export function canonicalName(name: string): string {
  if (isIP(name) !== 6) return name;
  return new URL(`http://[${name}]/`).hostname.slice(1, -1);
}

/** The names of a certificate's subjectAltName ("DNS:a, IP Address:127.0.0.1" → ["a", "127.0.0.1"]). */
export function certificateNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? "")
    .split(",")
    .map((s) => s.trim())
    .map((s) => canonicalName(/^(?:DNS|IP Address):(.+)$/.exec(s)?.[1] ?? ""))
    .filter((s) => s !== "");
}

function privateKey(text: string, path: string, issues: Issue[]): KeyObject | undefined {
  try {
    return createPrivateKey(text);
  } catch (cause) {
    const encrypted = /ENCRYPTED/.test(text) || /passphrase/i.test((cause as Error).message);
    issues.push({
      code: "invalid_key",
      path: "--tls-key",
      message: encrypted
        ? `${path} is encrypted with a passphrase; give aidc an unencrypted key (openssl pkey -in ${path} -out <file>) in a file only its user can read`
        : `${path} holds no private key aidc can read: ${(cause as Error).message}`,
    });
    return undefined;
  }
}

/**
 * Read and check the server's certificate, key and optional client CA. Every problem is an issue naming its
 * flag (unreadable file, no PEM, a key that is not the certificate's, a certificate outside its validity
 * period), all reported together, before anything listens.
 */
export function loadServerTls(files: TlsFiles, nowMs: number = Date.now()): ServerTls {
  const issues: Issue[] = [];
  const certText = read(files.certFile, "--tls-cert", issues);
  const keyText = read(files.keyFile, "--tls-key", issues);
  const caText = files.clientCaFile !== undefined ? read(files.clientCaFile, "--tls-client-ca", issues) : undefined;
  const leaf = certText !== undefined ? parseCertificates(certText, files.certFile, "--tls-cert", issues)[0] : undefined;
  const key = keyText !== undefined ? privateKey(keyText, files.keyFile, issues) : undefined;
  if (leaf !== undefined && key !== undefined && !leaf.checkPrivateKey(key))
    issues.push({
      code: "key_mismatch",
      path: "--tls-key",
      message: `${files.keyFile} is not the private key of the certificate in ${files.certFile}`,
    });
  if (leaf !== undefined) {
    if (Date.parse(leaf.validTo) <= nowMs)
      issues.push({ code: "expired", path: "--tls-cert", message: `the certificate in ${files.certFile} expired on ${leaf.validTo}` });
    if (Date.parse(leaf.validFrom) > nowMs)
      issues.push({
        code: "not_yet_valid",
        path: "--tls-cert",
        message: `the certificate in ${files.certFile} is valid only from ${leaf.validFrom}`,
      });
  }
  if (caText !== undefined && files.clientCaFile !== undefined) {
    for (const ca of parseCertificates(caText, files.clientCaFile, "--tls-client-ca", issues))
      if (!ca.ca)
        issues.push({
          code: "not_a_ca",
          path: "--tls-client-ca",
          message: `${files.clientCaFile} holds "${ca.subject.replace(/\n/g, ", ")}", which is not a CA certificate (basicConstraints CA:TRUE)`,
        });
  }
  if (issues.length > 0 || certText === undefined || keyText === undefined || leaf === undefined)
    throw new InvalidInputError("Invalid TLS settings", issues);
  return {
    cert: certText,
    key: keyText,
    ...(caText !== undefined ? { clientCa: caText } : {}),
    fingerprint256: leaf.fingerprint256,
    names: certificateNames(leaf),
    notAfter: new Date(leaf.validTo),
  };
}
