import { AidcError } from "@aidc/core/errors";

/**
 * Node's names for a server certificate that failed verification (OpenSSL's X509_V_ERR_* plus node's own
 * host-name check): the connection was closed before a byte of the request (and its token) was sent.
 */
const UNTRUSTED =
  /^(?:ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_.*|CERT_.*|INVALID_CA|HOSTNAME_MISMATCH)$/;

/** The socket error code of a failed request (the error itself or its cause). */
function codeOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  const code = typeof e.code === "string" ? e.code : e.cause?.code;
  return typeof code === "string" ? code : undefined;
}

/** True when a request failed because the server's certificate was not trusted. */
export function isUntrusted(err: unknown): boolean {
  const code = codeOf(err);
  return code !== undefined && UNTRUSTED.test(code);
}

/** True when an https:// request reached a server that does not speak TLS (OpenSSL reads its HTTP answer as a bad record). */
export function isPlainServer(err: unknown): boolean {
  const message = (err as { message?: string }).message ?? "";
  return codeOf(err) === "EPROTO" && /wrong version number|packet length too long|record layer failure/i.test(message);
}

/** What a server presented: read by a second handshake that verifies nothing and sends nothing. */
export interface SeenCertificate {
  readonly fingerprint256: string;
  readonly subject: string;
  readonly issuer: string;
  readonly names: string;
}

/**
 * Shake hands once more without verification to name the certificate that was refused, then close:
 * no request is written on this connection, so nothing (no token, no body) reaches the untrusted server.
 */
export async function peekCertificate(url: URL, timeoutMs = 5000): Promise<SeenCertificate | undefined> {
  const { connect } = await import("node:tls");
  const { isIP } = await import("node:net");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port: Number(url.port || 443),
      rejectUnauthorized: false,
      ...(isIP(host) === 0 ? { servername: host } : {}),
    });
    const done = (seen: SeenCertificate | undefined): void => {
      socket.destroy();
      resolve(seen);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once("error", () => done(undefined));
    socket.once("secureConnect", () => {
      const c = socket.getPeerCertificate();
      if (c === null || typeof c !== "object" || c.fingerprint256 === undefined) return done(undefined);
      const cn = (x: { CN?: unknown } | undefined): string => (typeof x?.CN === "string" ? `CN=${x.CN}` : "?");
      done({ fingerprint256: c.fingerprint256, subject: cn(c.subject), issuer: cn(c.issuer), names: c.subjectaltname ?? "none" });
    });
  });
}

/**
 * The refusal of a server whose certificate is not trusted: what was expected (the host name and the CA it
 * should be signed by) and what was seen (fingerprint, subject, issuer, names), so the operator can compare the
 * fingerprint with the one `aidc serve` printed before trusting anything.
 */
export async function untrustedServer(url: string, caFile: string | undefined, err: unknown, context?: string): Promise<AidcError> {
  const target = new URL(url);
  const seen = await peekCertificate(target);
  const why = (err as { message?: string }).message ?? String(err);
  const trust = caFile !== undefined ? `the CA in ${caFile}` : "a CA this system trusts (no --ca, AIDC_CA or context ca given)";
  const where = context !== undefined ? ` (context ${context})` : "";
  const presented =
    seen !== undefined
      ? `it presented SHA-256 fingerprint ${seen.fingerprint256} (subject ${seen.subject}, issuer ${seen.issuer}, names ${seen.names})`
      : "its certificate could not be read";
  return new AidcError(
    "SERVER_CERTIFICATE_UNTRUSTED",
    `Refusing ${target.origin}${where}: its TLS certificate is not trusted (${why}). Expected a certificate for host "${target.hostname.replace(/^\[|\]$/g, "")}" signed by ${trust}; ${presented}. If that fingerprint is the one aidc serve printed, pass the server's CA with --ca <pem> (or AIDC_CA, or aidc config set-context --ca)`,
    { cause: err },
  );
}
