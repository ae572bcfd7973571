#!/usr/bin/env node
// Reads a V8 .cpuprofile (node --cpu-prof) and prints the functions with the most self time and the
// most total (inclusive) time, in ms, with file:line. For the findings of bench/scale-sim.mjs.
//   node bench/scale/profile-top.mjs <file.cpuprofile> [--top 25] [--match <substring of a function/file>]
import { readFileSync } from "node:fs";

const [file] = process.argv.slice(2);
const arg = (n, d) => {
  const i = process.argv.indexOf(`--${n}`);
  return i > 0 ? process.argv[i + 1] : d;
};
const top = Number(arg("top", 25));
const match = arg("match", undefined);
const under = arg("under", undefined);
const p = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// sample time per node
const selfUs = new Map();
for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const key = (n) => {
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, "$1/")}:${f.lineNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"} ${where}`.trim();
};
const self = new Map();
const total = new Map();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  self.set(key(n), (self.get(key(n)) ?? 0) + us);
  // inclusive: each distinct function on the stack once
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    total.set(k, (total.get(k) ?? 0) + us);
  }
}
const all = [...selfUs.values()].reduce((a, b) => a + b, 0);
const show = (m) =>
  [...m]
    .filter(([k]) => match === undefined || k.includes(match))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / all).toFixed(1).padStart(5)}%  ${k}`)
    .join("\n");
// with --match: which functions call the matching ones, and how much of their time each caller accounts for
const callers = new Map();
if (match !== undefined) {
  for (const [id, us] of selfUs) {
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      if (!key(byId.get(cur)).includes(match)) continue;
      const up = parent.get(cur);
      const k = `${key(byId.get(cur))}  <-  ${up === undefined ? "(none)" : key(byId.get(up))}`;
      callers.set(k, (callers.get(k) ?? 0) + us);
      break;
    }
  }
}
// with --under: the time below the outermost function matching it, by the function directly beneath it
const beneath = new Map();
if (under !== undefined) {
  for (const [id, us] of selfUs) {
    let below;
    let hit = false;
    for (let cur = id, prev; cur !== undefined; prev = cur, cur = parent.get(cur)) {
      if (key(byId.get(cur)).includes(under)) {
        hit = true;
        below = prev === undefined ? "(self)" : key(byId.get(prev));
      }
    }
    if (hit) beneath.set(below, (beneath.get(below) ?? 0) + us);
  }
}
console.log(`profile ${file}: ${(all / 1e6).toFixed(1)} s sampled`);
console.log(`--- self time\n${show(self)}`);
console.log(`--- total time (inclusive)\n${show(total)}`);
if (under !== undefined)
  console.log(
    `--- beneath ${under}\n${[...beneath]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms  ${k}`)
      .join("\n")}`,
  );
if (match !== undefined) console.log(`--- callers (time of the outermost match, by caller)\n${show(callers)}`);
