import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";
import { issue, makeCa, needsOpenssl, type PemPair } from "../../../../test/support/pki.js";
import { runCli } from "../run-cli.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-cli-tls-"));
let ca: PemPair;
let otherCa: PemPair;
let server: RunningServer;
let token: string;
// no context, no local admin token: only what each test passes
const savedEnv = { ...process.env };

beforeAll(async () => {
  process.env["XDG_CONFIG_HOME"] = join(dir, "config");
  process.env["AIDC_DATA_DIR"] = join(dir, "none");
  delete process.env["AIDC_CA"];
  delete process.env["AIDC_CONTEXT"];
  ca = makeCa(dir, "ca");
  otherCa = makeCa(dir, "other-ca");
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir: join(dir, "data"),
    logLevel: "silent",
    metricsIntervalS: 0,
    executor: "sim",
    tls: issue(dir, ca, "server"),
  });
  token = readFileSync(server.adminTokenFile, "utf8").trim();
});
afterAll(async () => {
  await server?.close();
  process.env = savedEnv;
});

describe("the CLI over TLS (real handshakes with aidc serve --tls-cert)", needsOpenssl, () => {
  it("talks to the server with --ca, given before or after the command, or AIDC_CA", async () => {
    for (const argv of [
      ["status", "--json", "--url", server.url, "--token", token, "--ca", ca.certFile],
      ["--ca", ca.certFile, "status", "--json", "--url", server.url, "--token", token],
      [`--ca=${ca.certFile}`, "status", "--json", "--url", server.url, "--token", token],
    ]) {
      const r = await runCli(argv);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ store: { backend: "sqlite" } });
    }
    process.env["AIDC_CA"] = ca.certFile;
    try {
      expect((await runCli(["status", "--url", server.url, "--token", token])).code).toBe(0);
    } finally {
      delete process.env["AIDC_CA"];
    }
  });

  it("refuses a server signed by another CA, naming the expected host and CA and the fingerprint seen", async () => {
    const r = await runCli(["status", "--url", server.url, "--token", token, "--ca", otherCa.certFile]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Refusing ${server.url}: its TLS certificate is not trusted`);
    expect(r.err).toContain(`Expected a certificate for host "127.0.0.1" signed by the CA in ${otherCa.certFile}`);
    expect(r.err).toContain(`SHA-256 fingerprint ${server.tls?.fingerprint256 ?? "?"}`);
    const json = await runCli(["status", "--json", "--url", server.url, "--token", token, "--ca", otherCa.certFile]);
    expect(JSON.parse(json.out)).toMatchObject({ error: { code: "SERVER_CERTIFICATE_UNTRUSTED" } });
  });

  it("refuses a certificate issued for another host", async () => {
    const elsewhere = issue(dir, ca, "elsewhere", { sans: ["aidc.example"] });
    const other = await startServer({
      host: "127.0.0.1",
      port: 0,
      dataDir: join(dir, "data-elsewhere"),
      logLevel: "silent",
      metricsIntervalS: 0,
      executor: "sim",
      tls: elsewhere,
    });
    try {
      const r = await runCli(["status", "--url", other.url, "--token", "t", "--ca", ca.certFile]);
      expect(r.code).toBe(1);
      expect(r.err).toContain("Hostname/IP does not match certificate's altnames");
      expect(r.err).toContain("names DNS:aidc.example");
      expect(r.err).toContain('Expected a certificate for host "127.0.0.1"');
      expect(r.err).toContain(`fingerprint ${other.tls?.fingerprint256 ?? "?"}`);
    } finally {
      await other.close();
    }
  });

  it("sends nothing, not even the token, to a server it does not trust", async () => {
    const pair = issue(dir, otherCa, "listener");
    let received = 0;
    let connections = 0;
    const listener = createTlsServer({ cert: readFileSync(pair.certFile), key: readFileSync(pair.keyFile) }, (socket) => {
      socket.on("data", (d: Buffer) => (received += d.length));
      socket.on("error", () => undefined);
    });
    listener.on("connection", () => connections++);
    listener.on("tlsClientError", () => undefined);
    await new Promise<void>((r) => listener.listen(0, "127.0.0.1", r));
    const url = `https://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    try {
      const r = await runCli(["status", "--url", url, "--token", "s3cret-token", "--ca", ca.certFile]);
      expect(r.code).toBe(1);
      expect(r.err).toContain("SHA-256 fingerprint");
      await new Promise((r) => setTimeout(r, 200));
      // the refused request and the handshake that read the fingerprint came in, and no byte of a request
      expect(connections).toBe(2);
      expect(received).toBe(0);
    } finally {
      listener.close();
    }
  });

  it("says so when an https:// URL points at a plain HTTP server", async () => {
    const plain = createHttpServer((_req, res) => res.end("{}"));
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    const url = `https://127.0.0.1:${(plain.address() as AddressInfo).port}`;
    try {
      const r = await runCli(["status", "--url", url, "--token", "t"]);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`The server at ${url} does not speak TLS`);
    } finally {
      plain.close();
    }
  });

  it("gets the server's clear answer when it sends plain HTTP to the TLS port", async () => {
    const r = await runCli(["status", "--url", server.url.replace("https:", "http:"), "--token", token]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("This port speaks HTTPS: use https://");
  });

  it("keeps `aidc config set-context --ca` for the context (the global --ca is not taken from it)", async () => {
    const r = await runCli(["config", "set-context", "tls", "--server", server.url, "--ca", ca.certFile]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "config", "aidc", "config.yaml"), "utf8")).toContain(`ca: ${ca.certFile}`);
    const viaContext = await runCli(["--context", "tls", "status", "--token", token]);
    expect(viaContext.code).toBe(0);
  });
});
