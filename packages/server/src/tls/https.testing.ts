import { request } from "node:https";

/** One HTTPS exchange with explicit TLS settings (CA, client certificate), as a test's client. */
export interface HttpsCall {
  readonly method?: string;
  readonly token?: string;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly json?: unknown;
}

export interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
}

export function httpsCall(url: string, call: HttpsCall = {}): Promise<HttpsAnswer> {
  const payload = call.json === undefined ? undefined : JSON.stringify(call.json);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: call.method ?? "GET",
        headers: {
          ...(call.token !== undefined ? { authorization: `Bearer ${call.token}` } : {}),
          ...(payload !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}),
        },
        ...(call.ca !== undefined ? { ca: call.ca } : {}),
        ...(call.cert !== undefined ? { cert: call.cert } : {}),
        ...(call.key !== undefined ? { key: call.key } : {}),
        // a fresh connection per call: a reused session must not carry one call's client certificate into the next
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
