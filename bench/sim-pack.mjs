// FGD packing experiment (Alibaba openb 2023, "Beware of Fragmentation", ATC'23) for every policy x workload x seed,
// compared with the peer results shipped beside the data (hkust-adsl/kubernetes-scheduler-simulator, 10 seeds).
// Usage: node bench/sim-pack.mjs [--policies a,b] [--workloads default,cpu050] [--seeds 42,43,44]
// Prints one JSON document: per (workload, policy) our allocPct@100/130 and fragPct@100 vs the peer's, and timings.
import { readFileSync, readdirSync } from "node:fs";
import { benchData } from "./data.mjs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { readOpenbNodes, readOpenbPods, runPackSeed, summarizePack } from "../packages/simulator/dist/index.js";

const data = benchData("traces/alibaba-gpu-2023"); // csv/ and the peer results
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const POLICIES = ["random", "dotprod", "clustering", "packing", "bestfit", "fgd", "fragmentation-aware"];
const PEER = {
  random: "01-Random",
  dotprod: "02-DotProd",
  clustering: "03-GpuClustering",
  packing: "04-GpuPacking",
  bestfit: "05-BestFit",
  fgd: "06-FGD",
};
const policies = arg("policies", POLICIES.join(",")).split(",");
const seeds = arg("seeds", "42,43,44").split(",").map(Number);
const peerRows = readFileSync(join(data, "peer-results", "summary_by_workload_policy.csv"), "utf8")
  .trim()
  .split("\n");
const peerHead = peerRows[0].split(",");
const peer = new Map(
  peerRows.slice(1).map((l) => {
    const c = l.split(",");
    const o = Object.fromEntries(peerHead.map((h, i) => [h, c[i]]));
    return [`${o.workload}/${o.sc_policy}`, o];
  }),
);
const available = readdirSync(join(data, "csv"))
  .filter((f) => f.startsWith("openb_pod_list_") && f.endsWith(".csv.gz"))
  .map((f) => f.slice("openb_pod_list_".length, -".csv.gz".length));
const withPeers = available.filter((w) => peer.has(`openb_pod_list_${w}/01-Random`));
const workloads = arg("workloads", withPeers.join(",")).split(",");

const nodes = readOpenbNodes(readFileSync(join(data, "csv", "openb_node_list_gpu_node.csv"), "utf8").split("\n")).records;
const rows = [];
const t0 = performance.now();
for (const w of workloads) {
  const text = gunzipSync(readFileSync(join(data, "csv", `openb_pod_list_${w}.csv.gz`))).toString("utf8");
  const { records: pods, issues } = readOpenbPods(text.split("\n"), { file: w });
  if (issues.length) throw new Error(`${w}: ${issues[0].path}: ${issues[0].message}`);
  for (const policy of policies) {
    const results = [];
    const times = [];
    for (const seed of seeds) {
      const s = performance.now();
      results.push(runPackSeed(nodes, pods, policy, 1.3, seed));
      times.push((performance.now() - s) / 1000);
    }
    const sum = summarizePack({ policy, inflate: 1.3, seeds }, nodes, results);
    const p = PEER[policy] ? peer.get(`openb_pod_list_${w}/${PEER[policy]}`) : undefined;
    const num = (v) => (v === undefined ? null : Number(v));
    rows.push({
      workload: w,
      policy,
      alloc100: sum.allocPct["100"],
      alloc130: sum.allocPct["130"],
      frag100: sum.fragPct["100"],
      peerAlloc100: num(p?.alloc_100_mean),
      peerAlloc130: num(p?.alloc_130_mean),
      peerFrag100: num(p?.fragpct_100_mean),
      dAlloc130: p ? Math.round((sum.allocPct["130"] - Number(p.alloc_130_mean)) * 100) / 100 : null,
      dFrag100: p ? Math.round((sum.fragPct["100"] - Number(p.fragpct_100_mean)) * 100) / 100 : null,
      unallocatedGpusAt130: sum.unallocatedGpusAt130,
      secondsPerSeed: Math.round((times.reduce((a, b) => a + b, 0) / times.length) * 1000) / 1000,
      maxSecondsPerSeed: Math.round(Math.max(...times) * 1000) / 1000,
    });
    process.stderr.write(
      `${w} ${policy}: alloc130 ${sum.allocPct["130"]} (peer ${p?.alloc_130_mean ?? "-"}) ${times.map((t) => t.toFixed(2)).join("/")} s\n`,
    );
  }
}
const fa = rows.filter((r) => r.policy === "fragmentation-aware");
const fgdPeer = (w) => Number(peer.get(`openb_pod_list_${w}/06-FGD`)?.alloc_130_mean);
console.log(
  JSON.stringify(
    {
      bench: "sim-pack",
      seeds,
      totalWallS: Math.round((performance.now() - t0) / 10) / 100,
      maxSecondsPerWorkloadSeed: Math.max(...rows.map((r) => r.maxSecondsPerSeed)),
      fragmentationAwareBeatsPeerFgdAt130: fa.length ? fa.every((r) => r.alloc130 >= fgdPeer(r.workload)) : null,
      rows,
    },
    null,
    2,
  ),
);
