import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { defaultCatalog } from "@aidc/core";
import { planDatacenter } from "./datacenter.js";
import { parseScenario } from "./parse.js";
import type { DatacenterScenario } from "./schemas.js";

const catalog = defaultCatalog();
const SYSTEMS = ["dgx-h100", "dgx-a100", "dgx-b200", "gb200-nvl72", "dgx-h200"];
const SWITCHES = ["quantum-2-qm9700", "quantum-qm8700", "spectrum-4-sn5600"];

function scenario(system: string, gpus: number[], powerKw: number, sw: string, over: number, target: number): DatacenterScenario {
  const r = parseScenario({
    apiVersion: "aidc/v1",
    kind: "DatacenterScenario",
    name: "dc",
    system,
    demand: gpus.map((g, i) => ({
      name: `d${i}`,
      kind: i % 2 === 0 ? "training" : "inference",
      gpus: g,
      model: i % 3 === 0 ? "llama-3.1-405b" : "llama-3-8b",
      datasetTB: 10,
    })),
    rack: { powerKw, rackUnits: 48 },
    network: { switch: sw, oversubscription: over },
    storage: { checkpointWriteTargetS: target },
    sites: [
      { name: "a", usdPerKwh: 0.05, gridKgCo2PerKwh: 0.1, pue: 1.2 },
      { name: "b", usdPerKwh: 0.1, gridKgCo2PerKwh: 0.4, pue: 1.4 },
    ],
  });
  expect(r.issues).toEqual([]);
  return r.scenario!.value as DatacenterScenario;
}

describe("data-center sizing invariants", () => {
  it("holds for random demands, systems, racks and fabrics", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SYSTEMS),
        fc.array(fc.integer({ min: 1, max: 20000 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 15, max: 200 }),
        fc.constantFrom(...SWITCHES),
        fc.constantFrom(1, 2, 3),
        fc.integer({ min: 30, max: 1200 }),
        (system, gpus, powerKw, sw, over, target) => {
          const r = planDatacenter(scenario(system, gpus, powerKw, sw, over, target), catalog);
          if (!r.plan) {
            // only a rack budget below one system's draw is refused, with its path
            expect(r.issues.map((i) => i.path)).toEqual(["rack.powerKw"]);
            return;
          }
          const p = r.plan;
          const n = p.network;
          expect(p.gpusRequested).toBeLessThanOrEqual(p.nodes * p.gpusPerNode);
          expect(p.nodes).toBeLessThanOrEqual(p.racks * p.nodesPerRack);
          expect(p.rackPowerKw).toBeLessThanOrEqual(p.rackPowerBudgetKw);
          // switch ports suffice: leaves host every endpoint plus their uplinks; spines take every uplink
          expect(n.leafSwitches * n.switchPorts).toBeGreaterThanOrEqual(n.endpoints + n.leafSwitches * n.uplinksPerLeaf);
          if (n.tiers >= 2) expect(n.spineSwitches * n.switchPorts).toBeGreaterThanOrEqual(n.leafSwitches * n.uplinksPerLeaf);
          expect(p.storage.checkpointWriteS).toBeLessThanOrEqual(p.storage.checkpointWriteTargetS + 1e-9);
          expect(p.storage.hotTB + p.storage.warmTB).toBeCloseTo(p.storage.capacityTB, 6);
          expect(p.power.itKw).toBeGreaterThanOrEqual(p.power.computeKw);
          for (let i = 1; i < p.sites.length; i++) expect(p.sites[i]!.tcoUsd).toBeGreaterThanOrEqual(p.sites[i - 1]!.tcoUsd);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it("refuses a rack budget below one system's power with a path", () => {
    const r = planDatacenter(scenario("dgx-h100", [64], 8, "quantum-2-qm9700", 1, 300), catalog);
    expect(r.issues[0]).toMatchObject({ path: "rack.powerKw", code: "does_not_fit" });
  });

  it("sizes a 4,096-GPU DGX H100 fabric like a rail-optimized two/three-tier NDR network", () => {
    const p = planDatacenter(scenario("dgx-h100", [4096], 42, "quantum-2-qm9700", 1, 300), catalog).plan!;
    expect(p.nodes).toBe(512);
    expect(p.network.endpoints).toBe(4096);
    expect(p.network.bisectionTbps).toBeCloseTo((4096 * 400) / 2 / 1000, 6);
  });
  it("prices the storage servers it sizes, not only the media (99 TB on 3 servers is not $8,254)", () => {
    const p = planDatacenter(scenario("dgx-h100", [3072, 512], 42, "quantum-2-qm9700", 1, 120), catalog).plan!;
    const d = p.assumptions;
    const media = p.storage.hotTB * d.usdPerTBHot + p.storage.warmTB * d.usdPerTBWarm + p.storage.coldTB * d.usdPerTBCold;
    expect(p.storage.servers).toBeGreaterThan(1);
    expect(p.capex.storageUsd).toBeCloseTo(media + p.storage.servers * d.usdPerStorageServer, 6);
    expect(p.capex.storageUsd / p.storage.servers).toBeGreaterThan(50_000);
  });
});
