import type { DatacenterPlan } from "@aidc/planner";
import { bytes, count, duration, money, siUnit } from "./format.js";

export interface PlanTable {
  /** Section heading; undefined for the summary table at the top. */
  readonly title?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

const kw = (x: number): string => siUnit(x * 1000, "W");
const tb = (x: number): string => bytes(x * 1e12);

/** The tables of a data center plan, shared by the markdown (text) and the HTML report. */
export function datacenterTables(p: DatacenterPlan): PlanTable[] {
  const n = p.network;
  const s = p.storage;
  return [
    {
      header: ["item", "value"],
      rows: [
        ["system", `${p.system} (${p.gpusPerNode} x ${p.accelerator})`],
        ["GPUs (requested / installed)", `${count(p.gpusRequested)} / ${count(p.gpus)}`],
        ["nodes", count(p.nodes)],
        [
          "racks",
          `${count(p.racks)} (${p.nodesPerRack} nodes, ${p.rackPowerKw.toFixed(1)} of ${p.rackPowerBudgetKw} kW, ${p.rackUnitsUsed} U each)`,
        ],
        ["cooling", p.cooling],
        [
          "IT power",
          `${kw(p.power.itKw)} (compute ${kw(p.power.computeKw)}, network ${kw(p.power.networkKw)}, storage ${kw(p.power.storageKw)})`,
        ],
      ],
    },
    {
      title: "Network",
      header: ["topology", "tiers", "endpoints", "leaf", "spine", "core", "NICs", "cables", "optics", "bisection", "oversubscription"],
      rows: [
        [
          n.topology,
          n.tiers,
          count(n.endpoints),
          count(n.leafSwitches),
          count(n.spineSwitches),
          count(n.coreSwitches),
          count(n.nics),
          count(n.cables),
          count(n.optics),
          siUnit(n.bisectionTbps * 1e12, "b/s"),
          `${n.oversubscription}:1`,
        ],
      ],
    },
    {
      title: "Storage",
      header: [
        "capacity",
        "hot",
        "warm",
        "cold",
        "largest checkpoint",
        "write bandwidth (needed / provisioned)",
        "checkpoint write (target)",
        "servers",
      ],
      rows: [
        [
          tb(s.capacityTB),
          tb(s.hotTB),
          tb(s.warmTB),
          tb(s.coldTB),
          tb(s.largestCheckpointTB),
          `${siUnit(s.requiredWriteGBps * 1e9, "B/s")} / ${siUnit(s.provisionedWriteGBps * 1e9, "B/s")}`,
          `${duration(s.checkpointWriteS)} (${duration(s.checkpointWriteTargetS)})`,
          s.servers,
        ],
      ],
    },
    {
      title: "Cost",
      header: ["systems", "network", "storage", "facility", "capex", "maintenance/yr"],
      rows: [
        [
          money(p.capex.systemsUsd),
          money(p.capex.networkUsd),
          money(p.capex.storageUsd),
          money(p.capex.facilityUsd),
          money(p.capex.totalUsd),
          money(p.opexPerYear.maintenanceUsd),
        ],
      ],
    },
    {
      title: `Sites (${p.years}-year TCO, best first)`,
      header: ["site", "PUE", "facility power", "energy/yr", "energy cost/yr", "CO2e/yr", "latency", "tier", "TCO"],
      rows: p.sites.map((x) => [
        x.site,
        x.pue,
        kw(x.facilityKw),
        siUnit(x.energyMWhPerYear * 1e6, "Wh"),
        money(x.energyUsdPerYear),
        siUnit(x.co2eTonnesPerYear, "t"),
        duration(x.latencyMsToUsers / 1000),
        x.tier,
        money(x.tcoUsd),
      ]),
    },
  ];
}
