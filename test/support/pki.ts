import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A throw-away public-key infrastructure for TLS tests, made with the openssl binary (Debian package openssl):
 * CAs, server certificates for given names and client certificates for node agents. Real keys and real
 * signatures, so the handshakes in the tests are the ones production makes.
 */
export interface PemPair {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Whether the openssl command is here; under CI=true a missing one is an error (.ci/run installs it), not a skip. */
export const haveOpenssl: boolean = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    if (process.env["CI"] === "true") throw new Error("CI=true but the openssl command is missing (.ci/run installs it with apt-get)");
    return false;
  }
})();

/** Suite options: skip with the reason when openssl is missing (TLS tests make their certificates with it). */
export const needsOpenssl = {
  skip: !haveOpenssl,
  meta: haveOpenssl ? {} : { skipReason: "openssl is not installed (apt-get install openssl)" },
};

const openssl = (args: string[]): void => void execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });

/** A self-signed CA (P-256, CA:TRUE) named `name`, in `dir`. */
export function makeCa(dir: string, name: string): PemPair {
  const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "30",
    "-subj",
    `/CN=${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-keyout",
    pair.keyFile,
    "-out",
    pair.certFile,
  ]);
  return pair;
}

/**
 * A certificate for `name` signed by `ca`: a server certificate for the DNS names and IP addresses in `sans`
 * (default localhost and 127.0.0.1), or a client certificate (`client: true`) as agents present.
 */
export function issue(dir: string, ca: PemPair, name: string, options: { sans?: string[]; client?: boolean } = {}): PemPair {
  const pair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  const sans = options.sans ?? ["localhost", "127.0.0.1"];
  const san = sans.map((s) => (/^[\d.]+$|:/.test(s) ? `IP:${s}` : `DNS:${s}`)).join(",");
  writeFileSync(
    ext,
    [
      "basicConstraints=CA:FALSE",
      `extendedKeyUsage=${options.client === true ? "clientAuth" : "serverAuth"}`,
      ...(options.client === true ? [] : [`subjectAltName=${san}`]),
      "",
    ].join("\n"),
  );
  openssl([
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    pair.keyFile,
    "-out",
    csr,
  ]);
  openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.certFile,
    "-CAkey",
    ca.keyFile,
    "-CAcreateserial",
    "-days",
    "30",
    "-sha256",
    "-extfile",
    ext,
    "-out",
    pair.certFile,
  ]);
  return pair;
}
