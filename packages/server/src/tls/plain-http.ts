import type { Socket } from "node:net";
import type { Server as TlsServer, TLSSocket } from "node:tls";

/**
 * A client that speaks plain HTTP to the HTTPS port gets a plain HTTP 400 that says so, in the API's error
 * shape, instead of a connection reset it cannot explain. OpenSSL recognises the request line
 * (ERR_SSL_HTTP_REQUEST) before any TLS state exists, so the answer goes out on the raw TCP socket under the
 * TLS one (`_parent`, Node's name for it since TLS sockets wrap net sockets); nothing encrypted was
 * exchanged, and the connection is closed after the answer.
 */
export function answerPlainHttp(server: TlsServer): void {
  server.on("tlsClientError", (err: NodeJS.ErrnoException, tlsSocket: TLSSocket) => {
    if (err.code !== "ERR_SSL_HTTP_REQUEST") return;
    const raw = (tlsSocket as unknown as { _parent?: Socket })._parent;
    if (raw === undefined || raw.destroyed || !raw.writable) return;
    const body = JSON.stringify({
      error: { code: "BAD_REQUEST", message: "This port speaks HTTPS: use https:// (plain HTTP is not served here)" },
    });
    raw.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
