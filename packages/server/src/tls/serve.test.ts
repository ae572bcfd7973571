import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issue, makeCa, needsOpenssl, type PemPair } from "../../../../test/support/pki.js";
import { startServer, type RunningServer } from "../main.js";
import { httpsCall } from "./https.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-tls-serve-"));
let ca: PemPair;
let agentCa: PemPair;
let agent: PemPair;
let rogue: PemPair;
let server: RunningServer;
let token: string;
const pem = (f: string): string => readFileSync(f, "utf8");

beforeAll(async () => {
  ca = makeCa(dir, "server-ca");
  agentCa = makeCa(dir, "agent-ca");
  agent = issue(dir, agentCa, "node-1", { client: true });
  // signed by the server's CA, but that CA is not the one agents are enrolled with
  rogue = issue(dir, ca, "rogue", { client: true });
  const cert = issue(dir, ca, "server");
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: join(dir, "data"),
    logLevel: "silent",
    metricsIntervalS: 3600,
    executor: "sim",
    tls: { ...cert, clientCaFile: agentCa.certFile },
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => server?.close());

const samples = { samples: [{ metric: "aidc_node_memory_used_bytes", labels: { node: "node-1" }, value: 42 }] };

describe("aidc serve over TLS (real handshakes)", needsOpenssl, () => {
  it("serves https only, with a certificate clients verify against its CA", async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(server.tls?.clientCertificates).toBe(true);
    const r = await httpsCall(`${server.url}/api/v1/status`, { token, ca: pem(ca.certFile) });
    expect(r.status).toBe(200);
    // the console is served over the same HTTPS
    const page = await httpsCall(`${server.url}/`, { ca: pem(ca.certFile) });
    expect(page.status).toBeLessThan(500);
  });

  it("is refused by a client that trusts another CA", async () => {
    await expect(httpsCall(`${server.url}/api/v1/status`, { token, ca: pem(agentCa.certFile) })).rejects.toMatchObject({
      code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    });
  });

  it("answers plain HTTP on the TLS port with a clear 400, not a reset", async () => {
    const port = new URL(server.url).port;
    const answer = await new Promise<string>((resolve, reject) => {
      let got = "";
      const s = connect(Number(port), "127.0.0.1", () => s.write("GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n"));
      s.on("data", (d: Buffer) => (got += d.toString()));
      s.on("close", () => resolve(got));
      s.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain('"message":"This port speaks HTTPS: use https://');
    // and the server still serves TLS afterwards
    expect((await httpsCall(`${server.url}/healthz`, { ca: pem(ca.certFile) })).status).toBe(200);
  });

  it("mTLS: the agent route refuses a caller without a client certificate, even an admin", async () => {
    const r = await httpsCall(`${server.url}/api/v1/metrics/samples`, { method: "POST", token, ca: pem(ca.certFile), json: samples });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: "CLIENT_CERTIFICATE_REQUIRED" } });
    expect(r.body).toContain("no client certificate was presented");
  });

  it("mTLS: a client certificate from another CA is refused", async () => {
    const r = await httpsCall(`${server.url}/api/v1/metrics/samples`, {
      method: "POST",
      token,
      ca: pem(ca.certFile),
      cert: pem(rogue.certFile),
      key: pem(rogue.keyFile),
      json: samples,
    });
    expect(r.status).toBe(403);
    expect(r.body).toContain("CN=rogue");
    expect(r.body).toContain("not signed by the server's --tls-client-ca");
  });

  it("mTLS: spelling the agent route another way does not get around the client certificate", async () => {
    for (const path of [
      "/api/v1/metrics/%73amples",
      "/api/v1/metrics/samples?x=1",
      "/api/v1/metrics/samples/",
      "/api/v1//metrics/samples",
    ]) {
      const r = await httpsCall(`${server.url}${path}`, { method: "POST", token, ca: pem(ca.certFile), json: samples });
      expect([403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain('"stored"');
    }
  });

  it("mTLS: the token still comes first: a client certificate without a token gets 401", async () => {
    const r = await httpsCall(`${server.url}/api/v1/metrics/samples`, {
      method: "POST",
      ca: pem(ca.certFile),
      cert: pem(agent.certFile),
      key: pem(agent.keyFile),
      json: samples,
    });
    expect(r.status).toBe(401);
  });

  it("mTLS: an enrolled agent's samples are stored; other routes need no client certificate", async () => {
    const r = await httpsCall(`${server.url}/api/v1/metrics/samples`, {
      method: "POST",
      token,
      ca: pem(ca.certFile),
      cert: pem(agent.certFile),
      key: pem(agent.keyFile),
      json: samples,
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ stored: 1 });
    const series = await httpsCall(`${server.url}/api/v1/metrics/series?name=aidc_node_memory_used_bytes&match=node=node-1`, {
      token,
      ca: pem(ca.certFile),
    });
    expect(series.status).toBe(200);
    expect(JSON.parse(series.body)).toMatchObject({ series: [{ points: [[expect.any(Number), 42]] }] });
  });
});

describe("aidc serve with client certificates: an agent speaks only for its own node", needsOpenssl, () => {
  it("refuses samples labelled with another node than the certificate's CN, naming the sample", async () => {
    const forged = {
      samples: [
        { metric: "aidc_node_memory_used_bytes", labels: { node: "node-1" }, value: 1 },
        { metric: "aidc_node_memory_used_bytes", labels: { node: "node-2" }, value: 1 },
      ],
    };
    const r = await httpsCall(`${server.url}/api/v1/metrics/samples`, {
      method: "POST",
      token,
      ca: pem(ca.certFile),
      cert: pem(agent.certFile),
      key: pem(agent.keyFile),
      json: forged,
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: "FORBIDDEN" } });
    expect(r.body).toContain("samples.1 is labelled node=node-2");
    // nothing of the refused request was stored
    const series = await httpsCall(`${server.url}/api/v1/metrics/series?name=aidc_node_memory_used_bytes&match=node=node-2`, {
      token,
      ca: pem(ca.certFile),
    });
    expect(JSON.parse(series.body)).toMatchObject({ series: [] });
  });
});

/** The SHA-256 fingerprint of the certificate a new TLS connection to `url` gets (verified against `ca`). */
function servedFingerprint(url: string, ca: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: u.hostname, port: Number(u.port), ca }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

describe("certificate rotation without a restart", needsOpenssl, () => {
  it("serves the new files to new connections after reloadTls, and keeps the old ones when the new files are bad", async () => {
    const live = { certFile: join(dir, "live.crt"), keyFile: join(dir, "live.key") };
    const first = issue(dir, ca, "first");
    const second = issue(dir, ca, "second");
    copyFileSync(first.certFile, live.certFile);
    copyFileSync(first.keyFile, live.keyFile);
    const rotating = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: join(dir, "rotating"),
      logLevel: "silent",
      metricsIntervalS: 0,
      executor: "sim",
      tls: live,
    });
    try {
      const before = rotating.tls?.fingerprint256 ?? "";
      expect(await servedFingerprint(rotating.url, pem(ca.certFile))).toBe(before);
      copyFileSync(second.certFile, live.certFile);
      copyFileSync(second.keyFile, live.keyFile);
      const view = await rotating.reloadTls?.();
      expect(view?.fingerprint256).not.toBe(before);
      expect(rotating.tls?.fingerprint256).toBe(view?.fingerprint256);
      expect(await servedFingerprint(rotating.url, pem(ca.certFile))).toBe(view?.fingerprint256);
      // half a rotation (the key of another certificate): refused, the served certificate stays
      copyFileSync(first.keyFile, live.keyFile);
      await expect(rotating.reloadTls?.()).rejects.toMatchObject({
        issues: [expect.objectContaining({ path: "--tls-key", code: "key_mismatch" })],
      });
      expect(await servedFingerprint(rotating.url, pem(ca.certFile))).toBe(view?.fingerprint256);
      expect(rotating.tls?.fingerprint256).toBe(view?.fingerprint256);
    } finally {
      await rotating.close();
    }
  });
});

describe("aidc serve with bad TLS files", needsOpenssl, () => {
  it("refuses to start, naming the flag, before the store is created", async () => {
    const caX = makeCa(dir, "x-ca");
    const a = issue(dir, caX, "a");
    const b = issue(dir, caX, "b");
    const dataDir = join(dir, "bad");
    await expect(
      startServer({
        host: "127.0.0.1",
        port: 0,
        dataDir,
        logLevel: "silent",
        metricsIntervalS: 0,
        tls: { certFile: a.certFile, keyFile: b.keyFile },
      }),
    ).rejects.toMatchObject({ issues: [expect.objectContaining({ path: "--tls-key", code: "key_mismatch" })] });
    expect(existsSync(join(dataDir, "aidc.db"))).toBe(false);
    expect(existsSync(join(dataDir, "admin-token"))).toBe(false);
  });
});
