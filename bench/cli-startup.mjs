#!/usr/bin/env node
// CLI startup: wall time of `aidc --version`, `aidc --help`, `aidc catalog accelerators` and
// `aidc jobs` (against a real `aidc serve` in its own process) beside `node -e 0` in the same run,
// runs interleaved so machine load hits every command alike. Prints one JSON document with the
// median and min per command, the median minus node's median (what aidc itself costs) and the
// median CPU time (user + sys, via /usr/bin/time when present).
//   node bench/cli-startup.mjs [--runs 15] [--entry <path to bin.js>]
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { startServe } from "./serve-process.mjs";

const flag = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const runs = Number(flag("runs", "15"));
const entry = flag("entry", new URL("../packages/cli/dist/bin.js", import.meta.url).pathname);

const { child, url, token, dataDir } = await startServe([process.execPath, entry], "aidc-bench-startup-");
try {
  const env = { ...process.env, AIDC_URL: url, AIDC_TOKEN: token, XDG_CONFIG_HOME: join(dataDir, "config") };

  const commands = {
    "node -e 0": [process.execPath, "-e", "0"],
    "aidc --version": [process.execPath, entry, "--version"],
    "aidc --help": [process.execPath, entry, "--help"],
    "aidc jobs": [process.execPath, entry, "jobs"],
    "aidc catalog accelerators": [process.execPath, entry, "catalog", "accelerators"],
  };
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  // CPU time (user + sys) too, through /usr/bin/time when present: on a shared machine it varies less than wall time
  const timer = existsSync("/usr/bin/time") ? ["/usr/bin/time", "-f", "AIDC_CPU %U %S"] : [];
  const once = (name, argv) => {
    const [cmd, ...args] = [...timer, ...argv];
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(" ")} exited ${r.status}: ${r.stderr}`);
    const m = /AIDC_CPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
    if (m && name) cpu[name].push((Number(m[1]) + Number(m[2])) * 1000);
    if (name) times[name].push(ms);
  };
  for (const c of Object.values(commands)) once(undefined, c); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [name, c] of Object.entries(commands)) once(name, c);

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
      {
        medianMs: round(median(xs)),
        minMs: round(Math.min(...xs)),
        overNodeMs: round(median(xs) - base),
        ...(cpu[name].length > 0 ? { cpuMedianMs: round(median(cpu[name])) } : {}),
      },
    ]),
  );
  console.log(JSON.stringify({ bench: "cli-startup", node: process.version, runs, entry, results }, null, 2));
} finally {
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
