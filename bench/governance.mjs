#!/usr/bin/env node
// Data governance figures. Prints one JSON document:
// - piiScan.imdb: the PII scanner over the IMDB reviews (../shared/data/imdb train+test, or the committed slice):
//   lines, uncompressed MB, seconds, MB/s and what it finds (counts, and the masked findings for a false-alarm review);
// - piiScan.planted: recall on synthetic lines with known e-mails, card numbers (Luhn-valid) and phone numbers in
//   several spellings, and false alarms on synthetic prose full of numbers (years, prices, ids, Luhn-invalid cards);
// - audit.append: audit-log appends per second on SQLite (each in its own transaction, hash-chained), and the
//   time to verify the chain;
// - download: median latency of a small download through a real server for a dataset (permission check + audit
//   row) and for a model artifact (no audit), i.e. what the audit costs a read.
//   node bench/governance.mjs [--downloads 300] [--appends 3000]
import { createReadStream, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteStore, findPii, luhnValid, scanText, startServer, verifyAuditLog } from "../packages/server/dist/index.js";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const DOWNLOADS = arg("--downloads", 300);
const APPENDS = arg("--appends", 3000);
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const shared = join(repo, "..", "shared", "data", "imdb");
const dir = mkdtempSync(join(tmpdir(), "aidc-bench-gov-"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function imdbScan() {
  const files = existsSync(join(shared, "train.jsonl.gz"))
    ? [join(shared, "train.jsonl.gz"), join(shared, "test.jsonl.gz")]
    : [join(repo, "examples", "data", "imdb", "train.jsonl.gz")];
  const out = {
    files: files.map((f) => f.replace(`${repo}/`, "").replace(join(repo, ".."), "..")),
    lines: 0,
    linesWithPii: 0,
    counts: {},
    findings: [],
  };
  const mb = files.reduce((n, f) => n + gunzipSync(readFileSync(f)).length, 0) / 1e6;
  let scanS = 0;
  let redactS = 0;
  for (const f of files) {
    let t = performance.now();
    const r = await scanText(createReadStream(f), { by: "bench", nowMs: Date.now() });
    scanS += (performance.now() - t) / 1000;
    t = performance.now();
    await scanText(createReadStream(f), { by: "bench", nowMs: Date.now(), redactTo: new Writable({ write: (_c, _e, cb) => cb() }) });
    redactS += (performance.now() - t) / 1000;
    out.lines += r.lines;
    out.linesWithPii += r.linesWithPii;
    for (const [k, n] of Object.entries(r.counts)) out.counts[k] = (out.counts[k] ?? 0) + n;
    out.findings.push(...r.samples.map((s) => ({ file: f.split("/").pop(), ...s })));
  }
  return {
    ...out,
    textMB: +mb.toFixed(1),
    scanSeconds: +scanS.toFixed(2),
    scanMBPerS: +(mb / scanS).toFixed(1),
    scanAndRedactGzipSeconds: +redactS.toFixed(2),
    scanAndRedactMBPerS: +(mb / redactS).toFixed(1),
  };
}

/** A Luhn-valid number of `len` digits starting with `prefix` (the check digit computed). */
function cardNumber(prefix, len, i) {
  let body =
    prefix +
    String(1_000_000_000_000 + i * 7919)
      .padStart(len - prefix.length - 1, "0")
      .slice(-(len - prefix.length - 1));
  for (let d = 0; d < 10; d++) if (luhnValid(body + d)) return body + d;
  return body;
}

function planted() {
  const spell = [(c) => c, (c) => c.replace(/(\d{4})(?=\d)/g, "$1 "), (c) => c.replace(/(\d{4})(?=\d)/g, "$1-")];
  const phones = [
    (i) => `(415) 555-${String(1000 + i).slice(-4)}`,
    (i) => `415-555-${String(1000 + i).slice(-4)}`,
    (i) => `+44 20 7946 ${String(1000 + i).slice(-4)}`,
    (i) => `020 7946 ${String(1000 + i).slice(-4)}`,
    (i) => `+1 650 253 ${String(1000 + i).slice(-4)}`,
  ];
  let total = { email: 0, card: 0, phone: 0 };
  let found = { email: 0, card: 0, phone: 0 };
  for (let i = 0; i < 1000; i++) {
    const card = spell[i % 3](cardNumber(["4", "51", "37", "6011"][i % 4], i % 4 === 2 ? 15 : 16, i));
    const line = `Loved it! Contact user${i}.name@mail${i % 7}.example.org or ${phones[i % 5](i)}; paid with ${card} on 2019-05-0${i % 9}.`;
    total = { email: total.email + 1, card: total.card + 1, phone: total.phone + 1 };
    for (const m of findPii(line)) found[m.kind]++;
  }
  let falseAlarms = 0;
  const prose = [
    (i) => `I watched it in ${1950 + (i % 70)} and again in ${1990 + (i % 30)}; ${i % 10}/10, ${(i % 50) / 10 + 5} stars.`,
    (i) => `It cost $${(i * 37) % 300},000,000 and grossed ${i * 13} million in ${i % 20} weeks on ${i * 3} screens.`,
    (i) => `Order ${String(4111111111111110 + (i % 10) * 0 + 2)} and ticket ${i * 1234567}, runtime ${90 + (i % 60)} min, rated PG-13.`,
    (i) => `Scenes 1-${i % 30} and 2-${i % 12}, chapter ${i}.${i % 9}, at 12:${String(i % 60).padStart(2, "0")} pm.`,
  ];
  for (let i = 0; i < 1000; i++) falseAlarms += findPii(prose[i % 4](i)).length;
  return {
    lines: 1000,
    recall: Object.fromEntries(Object.keys(total).map((k) => [k, +(found[k] / total[k]).toFixed(3)])),
    proseLines: 1000,
    falseAlarms,
  };
}

async function auditAppends() {
  const store = SqliteStore.open(join(dir, "audit.db"));
  const t0 = performance.now();
  for (let i = 0; i < APPENDS; i++)
    await store.governance.audit.append(
      {
        actor: `u${i % 10}`,
        actorRole: "user",
        action: "dataset.read",
        outcome: "allowed",
        project: `p${i % 5}`,
        resource: `p/d:${i}`,
        detail: { i },
      },
      Date.now(),
    );
  const s = (performance.now() - t0) / 1000;
  const v0 = performance.now();
  const v = await verifyAuditLog(store);
  const verifyS = (performance.now() - v0) / 1000;
  await store.close();
  return {
    backend: "sqlite",
    appends: APPENDS,
    perS: Math.round(APPENDS / s),
    verifyOk: v.ok,
    verifyEntriesPerS: Math.round(v.entries / verifyS),
  };
}

async function downloads() {
  const server = await startServer({ host: "127.0.0.1", port: 0, dataDir: join(dir, "data"), logLevel: "silent", metricsIntervalS: 0 });
  const token = readFileSync(server.adminTokenFile, "utf8").trim();
  const h = { authorization: `Bearer ${token}` };
  const put = async (name, kind) => {
    const { id } = await (await fetch(`${server.url}/api/v1/uploads`, { method: "POST", headers: h })).json();
    await fetch(`${server.url}/api/v1/uploads/${id}`, {
      method: "PATCH",
      headers: { ...h, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: Buffer.alloc(4096, 7).fill(kind === "model" ? 8 : 7),
    });
    await fetch(`${server.url}/api/v1/artifacts`, {
      method: "POST",
      headers: { ...h, "content-type": "application/json" },
      body: JSON.stringify({ project: "bench", name, kind, uploadId: id }),
    });
  };
  await put("data", "dataset");
  await put("weights", "model");
  const time = async (path) => {
    const ms = [];
    for (let i = 0; i < DOWNLOADS; i++) {
      const t = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers: h });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      ms.push(performance.now() - t);
    }
    return ms;
  };
  await time("/api/v1/artifacts/bench/data/1/content"); // warm up both paths
  await time("/api/v1/artifacts/bench/weights/1/content");
  const dataset = await time("/api/v1/artifacts/bench/data/1/content");
  const model = await time("/api/v1/artifacts/bench/weights/1/content");
  await server.close();
  return {
    requests: DOWNLOADS,
    bytes: 4096,
    datasetMedianMs: +median(dataset).toFixed(3),
    modelMedianMs: +median(model).toFixed(3),
    auditOverheadMs: +(median(dataset) - median(model)).toFixed(3),
  };
}

const result = {
  bench: "governance",
  node: process.version,
  piiScan: { imdb: await imdbScan(), planted: planted() },
  audit: { append: await auditAppends() },
  download: await downloads(),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
