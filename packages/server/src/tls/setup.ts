import { statSync } from "node:fs";
import type { ServerOptions as HttpsServerOptions } from "node:https";
import type { Server as TlsServer } from "node:tls";
import { InvalidInputError, type Issue } from "@aidc/core";
import { loadServerTls } from "./certificates.js";
import { ensureSelfSigned, selfSignedNames } from "./self-signed.js";

/** `aidc serve`'s TLS flags: a certificate and key (`--tls-cert/--tls-key`) or `--tls-self-signed`, and optionally mTLS for agents. */
export interface ServeTlsOptions {
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Make (first start) or reuse a self-signed pair under `<data-dir>/tls/`. */
  readonly selfSigned?: boolean;
  /** Agent routes require a client certificate signed by this CA (mutual TLS). */
  readonly clientCaFile?: string;
}

/** What a running server says about its TLS: printed at start, in `RunningServer.tls`. */
export interface TlsView {
  readonly certFile: string;
  readonly fingerprint256: string;
  readonly names: readonly string[];
  readonly notAfter: string;
  readonly selfSigned: boolean;
  /** The self-signed pair was made by this start. */
  readonly created: boolean;
  /** Agent routes require a client certificate signed by `--tls-client-ca`. */
  readonly clientCertificates: boolean;
}

export interface PreparedTls {
  readonly https: HttpsServerOptions;
  readonly view: TlsView;
  readonly warnings: readonly string[];
}

/** A private key other users can read is a key they can impersonate the server with: said at every start. */
function keyFileWarnings(keyFile: string): string[] {
  const mode = statSync(keyFile).mode & 0o777;
  if ((mode & 0o077) === 0) return [];
  return [`the key ${keyFile} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`];
}

/** The flags make sense together: a pair or self-signed (not both, not half a pair); a client CA only with TLS. */
export function checkTlsOptions(o: ServeTlsOptions): void {
  const issues: Issue[] = [];
  const pair = o.certFile !== undefined || o.keyFile !== undefined;
  if (o.certFile !== undefined && o.keyFile === undefined)
    issues.push({ code: "required", path: "--tls-key", message: "--tls-cert needs --tls-key (the certificate's private key)" });
  if (o.keyFile !== undefined && o.certFile === undefined)
    issues.push({ code: "required", path: "--tls-cert", message: "--tls-key needs --tls-cert (the certificate it belongs to)" });
  if (pair && o.selfSigned === true)
    issues.push({
      code: "conflict",
      path: "--tls-self-signed",
      message: "give either --tls-cert/--tls-key or --tls-self-signed, not both",
    });
  if (o.clientCaFile === undefined && !pair && o.selfSigned !== true)
    issues.push({ code: "required", path: "--tls-cert", message: "TLS needs --tls-cert/--tls-key or --tls-self-signed" });
  if (o.clientCaFile !== undefined && !pair && o.selfSigned !== true)
    issues.push({
      code: "requires_tls",
      path: "--tls-client-ca",
      message: "mutual TLS needs the server to speak TLS: add --tls-cert/--tls-key or --tls-self-signed",
    });
  if (issues.length > 0) throw new InvalidInputError("Invalid TLS settings", issues);
}

/**
 * The HTTPS settings of a server: the pair checked (key matches, in its validity period), or the data dir's
 * self-signed pair made or reused. With a client CA, the TLS layer asks every client for a certificate and
 * verifies it against that CA but lets a client without one in: only the agent routes insist (see
 * requireClientCertificates). TLS 1.2 is the floor (1.0/1.1 are deprecated by RFC 8996).
 */
export async function prepareTls(o: ServeTlsOptions, dataDir: string, bindHost: string, nowMs: number = Date.now()): Promise<PreparedTls> {
  checkTlsOptions(o);
  const made = o.selfSigned === true ? await ensureSelfSigned(dataDir, selfSignedNames(bindHost), nowMs) : undefined;
  const certFile = made?.certFile ?? o.certFile ?? "";
  const keyFile = made?.keyFile ?? o.keyFile ?? "";
  const tls = loadServerTls({ certFile, keyFile, ...(o.clientCaFile !== undefined ? { clientCaFile: o.clientCaFile } : {}) }, nowMs);
  const mutual = tls.clientCa !== undefined;
  return {
    https: {
      cert: tls.cert,
      key: tls.key,
      minVersion: "TLSv1.2",
      ...(mutual ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : {}),
    },
    view: {
      certFile,
      fingerprint256: tls.fingerprint256,
      names: tls.names,
      notAfter: tls.notAfter.toISOString(),
      selfSigned: made !== undefined,
      created: made?.created === true,
      clientCertificates: mutual,
    },
    warnings: [...(made?.warnings ?? []), ...keyFileWarnings(keyFile)],
  };
}

/**
 * Read the TLS files again and swap them into the listening server (certificate rotation without a restart, on
 * SIGHUP in `aidc serve`): new connections get the new certificate, open ones keep theirs. The files are checked
 * first, so a bad file changes nothing and the error names its flag. Whether client certificates are asked for is
 * fixed at start (`--tls-client-ca` given or not); the client CA's content is reloaded too.
 */
export async function reloadTls(server: TlsServer, o: ServeTlsOptions, dataDir: string, bindHost: string): Promise<PreparedTls> {
  const next = await prepareTls(o, dataDir, bindHost);
  const { cert, key, ca, minVersion } = next.https;
  server.setSecureContext({ cert, key, minVersion, ...(ca !== undefined ? { ca } : {}) });
  return next;
}
