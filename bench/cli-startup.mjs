#!/usr/bin/env node
// CLI startup: wall time of `aidc --version`, `aidc --help`, `aidc catalog accelerators` and
// `aidc jobs` (against a real `aidc serve` in its own process) beside `node -e 0` in the same run,
// runs interleaved so machine load hits every command alike. Prints one JSON document with the
// median and min per command, and the median minus node's median (what aidc itself costs).
//   node bench/cli-startup.mjs [--runs 15] [--entry <path to bin.js>]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const flag = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(flag("runs", "15"));
const entry = flag("entry", new URL("../packages/cli/dist/bin.js", import.meta.url).pathname);

const dataDir = mkdtempSync(join(tmpdir(), "aidc-bench-startup-"));
const child = spawn(process.execPath, [entry, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warn"], {
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d.toString();
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`aidc serve exited with ${code}`)));
  });
  const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  const env = { ...process.env, AIDC_URL: url, AIDC_TOKEN: token, XDG_CONFIG_HOME: join(dataDir, "config") };

  const commands = {
    "node -e 0": [process.execPath, "-e", "0"],
    "aidc --version": [process.execPath, entry, "--version"],
    "aidc --help": [process.execPath, entry, "--help"],
    "aidc jobs": [process.execPath, entry, "jobs"],
    "aidc catalog accelerators": [process.execPath, entry, "catalog", "accelerators"],
  };
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  const once = ([cmd, ...args]) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${[cmd, ...args].join(" ")} exited ${r.status}: ${r.stderr}`);
    return ms;
  };
  for (const c of Object.values(commands)) once(c); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [name, c] of Object.entries(commands)) times[name].push(once(c));

  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const round = (x) => Math.round(x * 10) / 10;
  const base = median(times["node -e 0"]);
  const results = Object.fromEntries(
    Object.entries(times).map(([name, xs]) => [
      name,
      { medianMs: round(median(xs)), minMs: round(Math.min(...xs)), overNodeMs: round(median(xs) - base) },
    ]),
  );
  console.log(JSON.stringify({ bench: "cli-startup", node: process.version, runs, entry, results }, null, 2));
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
