#!/usr/bin/env node
// What TLS costs on the API: a real `startServer` over plain HTTP, over HTTPS (the data dir's self-signed pair) and
// over HTTPS with client certificates (mutual TLS, the agent route's setting), each asked GET /api/v1/whoami (token
// checked, one store read) by a node:http(s) client: `keepAlive` requests on one connection (what a busy client
// sees) and `fresh` requests each on a new connection (a CLI call: TCP + TLS handshake every time). Prints one JSON
// document with the median and p95 latency in ms and requests/s of each. Sequential requests: latency, not capacity.
//   node bench/tls.mjs [--keep-alive 400] [--fresh 150]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../packages/server/dist/index.js";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const KEEP = arg("--keep-alive", 400);
const FRESH = arg("--fresh", 150);
const dir = mkdtempSync(join(tmpdir(), "aidc-bench-tls-"));

/** A CA for agents and one client certificate it signs (openssl, as in test/support/pki.ts). */
function agentPki() {
  const o = (args) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  o([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=agents",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-keyout",
    join(dir, "ca.key"),
    "-out",
    join(dir, "ca.crt"),
  ]);
  o([
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-subj",
    "/CN=node",
    "-keyout",
    join(dir, "node.key"),
    "-out",
    join(dir, "node.csr"),
  ]);
  writeFileSync(join(dir, "node.ext"), "extendedKeyUsage=clientAuth\n");
  o([
    "x509",
    "-req",
    "-in",
    join(dir, "node.csr"),
    "-CA",
    join(dir, "ca.crt"),
    "-CAkey",
    join(dir, "ca.key"),
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    join(dir, "node.ext"),
    "-out",
    join(dir, "node.crt"),
  ]);
  return { caFile: join(dir, "ca.crt"), cert: readFileSync(join(dir, "node.crt")), key: readFileSync(join(dir, "node.key")) };
}

function get(url, options) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith("https:") ? https : http;
    const t0 = process.hrtime.bigint();
    lib
      .get(url, options, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      })
      .on("error", reject);
  });
}

function summary(ms) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const total = ms.reduce((a, b) => a + b, 0);
  return {
    requests: ms.length,
    medianMs: +q(0.5).toFixed(3),
    p95Ms: +q(0.95).toFixed(3),
    requestsPerS: Math.round((1000 * ms.length) / total),
  };
}

async function measure(label, tls, clientTls) {
  const dataDir = join(dir, label);
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    dataDir,
    logLevel: "silent",
    metricsIntervalS: 0,
    executor: "sim",
    rateLimitPerS: 0,
    ...(tls ? { tls } : {}),
  });
  try {
    const token = readFileSync(server.adminTokenFile, "utf8").trim();
    const ca = tls ? readFileSync(join(dataDir, "tls", "self-signed.crt")) : undefined;
    const base = { headers: { authorization: `Bearer ${token}` }, ...(ca ? { ca } : {}), ...clientTls };
    const url = `${server.url}/api/v1/whoami`;
    const lib = tls ? https : http;
    const agent = new lib.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 20; i++) await get(url, { ...base, agent }); // warm-up
    const keep = [];
    for (let i = 0; i < KEEP; i++) keep.push(await get(url, { ...base, agent }));
    agent.destroy();
    const fresh = [];
    for (let i = 0; i < FRESH; i++) fresh.push(await get(url, { ...base, agent: false }));
    return { keepAlive: summary(keep), fresh: summary(fresh) };
  } finally {
    await server.close();
  }
}

const pki = agentPki();
const results = {
  http: await measure("http"),
  https: await measure("https", { selfSigned: true }),
  mutualTls: await measure("mtls", { selfSigned: true, clientCaFile: pki.caFile }, { cert: pki.cert, key: pki.key }),
};
console.log(
  JSON.stringify(
    {
      bench: "tls",
      node: process.version,
      certificate: "self-signed P-256 (ECDSA), TLS 1.3 default suites",
      route: "GET /api/v1/whoami",
      ...results,
      freshHandshakeCostMs: {
        https: +(results.https.fresh.medianMs - results.http.fresh.medianMs).toFixed(3),
        mutualTls: +(results.mutualTls.fresh.medianMs - results.http.fresh.medianMs).toFixed(3),
      },
    },
    null,
    2,
  ),
);
