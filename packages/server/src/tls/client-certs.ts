import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TLSSocket } from "node:tls";

/**
 * The routes only node agents call; with `--tls-client-ca` they need a client certificate signed by that CA,
 * on top of the operator token (the token says who may push, the certificate that it comes from an enrolled
 * node: a leaked token alone cannot feed the metrics store).
 */
export const AGENT_ROUTES: readonly string[] = ["POST /api/v1/metrics/samples"];

/** Why a TLS connection's client certificate does not count, or undefined when it was verified against the client CA. */
export function clientCertificateProblem(socket: TLSSocket): string | undefined {
  if (socket.encrypted !== true) return "the connection is not TLS";
  if (socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  const presented = peer !== null && typeof peer === "object" && Object.keys(peer).length > 0;
  if (!presented) return "no client certificate was presented";
  const subject = typeof peer.subject?.CN === "string" ? ` (CN=${peer.subject.CN})` : "";
  return `the client certificate${subject} is not signed by the server's --tls-client-ca (${String(socket.authorizationError)})`;
}

/** The node names a verified client certificate speaks for: its subject CN and its DNS subjectAltNames. */
export function certificateNodeNames(socket: TLSSocket): string[] {
  const peer = socket.getPeerCertificate();
  if (peer === null || typeof peer !== "object") return [];
  const cn = typeof peer.subject?.CN === "string" ? [peer.subject.CN] : [];
  const dns = (peer.subjectaltname ?? "")
    .split(",")
    .map((s) => /^\s*DNS:(.+)$/.exec(s)?.[1]?.trim() ?? "")
    .filter((s) => s !== "");
  return [...cn, ...dns];
}

/**
 * With client certificates, an agent pushes samples only for its own node: every sample's `node` label must be
 * the certificate's CN or one of its DNS names (as a kubelet's certificate names its node). A stolen agent
 * certificate then cannot forge another node's metrics (and alerts, and drains). 403 FORBIDDEN names the sample.
 */
function samplesOfOwnNode(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const names = certificateNodeNames(req.raw.socket as TLSSocket);
  const samples = (req.body as { samples?: { labels?: Record<string, string> }[] } | undefined)?.samples ?? [];
  const i = samples.findIndex((s) => s.labels?.["node"] !== undefined && !names.includes(s.labels["node"]));
  if (i < 0) return undefined;
  const message = `the client certificate speaks for node ${names.join(", ") || "(no name)"}; samples.${i} is labelled node=${samples[i]?.labels?.["node"] ?? ""} (aidc agent --node must be the certificate's CN or a DNS name in it)`;
  req.log.warn({ route: req.routeOptions.url, ip: req.ip }, `agent samples refused: ${message}`);
  return reply.status(403).send({ error: { code: "FORBIDDEN", message } });
}

/**
 * Refuse agent routes to a caller without a verified client certificate: 403 CLIENT_CERTIFICATE_REQUIRED.
 * Registered after authentication, so a caller without a token still gets 401 first and learns nothing more.
 * The TLS server asks every client for a certificate but does not reject one without (browsers and the CLI
 * have none); only these routes insist.
 */
export function requireClientCertificates(app: FastifyInstance, routes: readonly string[] = AGENT_ROUTES): void {
  app.addHook("onRequest", async (req: FastifyRequest, reply: FastifyReply) => {
    if (!routes.includes(`${req.method} ${req.routeOptions.url ?? ""}`)) return;
    const problem = clientCertificateProblem(req.raw.socket as TLSSocket);
    if (problem === undefined) return;
    req.log.warn({ route: req.routeOptions.url, ip: req.ip }, `agent route refused: ${problem}`);
    return reply.status(403).send({
      error: {
        code: "CLIENT_CERTIFICATE_REQUIRED",
        message: `${req.method} ${req.routeOptions.url ?? ""} needs a client certificate signed by the server's client CA: ${problem} (aidc agent --tls-cert <pem> --tls-key <pem>)`,
      },
    });
  });
  // the body is read and validated by now: its node labels are checked against the certificate
  app.addHook("preHandler", async (req: FastifyRequest, reply: FastifyReply) => {
    if (!routes.includes(`${req.method} ${req.routeOptions.url ?? ""}`)) return;
    return samplesOfOwnNode(req, reply);
  });
}
