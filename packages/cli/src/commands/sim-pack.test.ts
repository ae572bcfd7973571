import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { main } from "../main.js";
import type { Io } from "../output.js";

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t), tty: false };
  return { code: await main(argv, io), out, err };
}

const dir = mkdtempSync(join(tmpdir(), "aidc-sim-pack-"));
const nodes = join(dir, "nodes.csv");
writeFileSync(
  nodes,
  [
    "sn,cpu_milli,memory_mib,gpu,model",
    ...Array.from({ length: 8 }, (_, i) => `n${i},32000,131072,${i % 2 ? 8 : 2},${i % 2 ? "G2" : "T4"}`),
  ].join("\n"),
);
const pods = join(dir, "pods.csv.gz");
const shapes = ["4000,8192,1,500", "8000,16384,1,1000", "16000,32768,4,1000", "6000,8192,0,0", "2000,4096,1,250"];
writeFileSync(
  pods,
  gzipSync(
    ["name,cpu_milli,memory_mib,num_gpu,gpu_milli", ...Array.from({ length: 40 }, (_, i) => `p${i},${shapes[i % shapes.length]}`)].join(
      "\n",
    ),
  ),
);

describe("aidc sim pack", () => {
  it("prints the FGD protocol summary as one JSON document", async () => {
    const r = await run("sim", "pack", "--pods", pods, "--nodes", nodes, "--policy", "fragmentation-aware", "--seeds", "1,2", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as {
      policy: string;
      seeds: number[];
      allocPct: Record<string, number>;
      fragPct: Record<string, number>;
      unallocatedGpusAt130: number;
    };
    expect(doc.policy).toBe("fragmentation-aware");
    expect(doc.seeds).toEqual([1, 2]);
    for (const x of ["50", "90", "100", "130"]) {
      expect(doc.allocPct[x]).toBeGreaterThan(0);
      expect(doc.allocPct[x]).toBeLessThanOrEqual(100);
      expect(doc.fragPct[x]).toBeGreaterThanOrEqual(0);
    }
    expect(doc.unallocatedGpusAt130).toBeGreaterThanOrEqual(0);
  });

  it("rejects bad options and malformed rows with exit 2, one line per problem", async () => {
    const bad = await run("sim", "pack", "--pods", pods, "--nodes", nodes, "--policy", "nope", "--inflate", "0");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--policy");
    expect(bad.err).toContain("--inflate");
    const broken = join(dir, "broken.csv");
    writeFileSync(broken, "name,cpu_milli,memory_mib,num_gpu,gpu_milli\np0,1000,100,1,500\np1,lots,100,1,500\n");
    const r = await run("sim", "pack", "--pods", broken, "--nodes", nodes);
    expect(r.code).toBe(2);
    expect(r.err).toContain("broken.csv: cpu_milli (line 3)");
  });
});
