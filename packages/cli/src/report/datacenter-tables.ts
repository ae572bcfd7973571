import type { DatacenterPlan } from "@aidc/planner";

export interface PlanTable {
  /** Section heading; undefined for the summary table at the top. */
  readonly title?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

const usd = (x: number): string => `$${(x / 1e6).toFixed(2)}M`;

/** The tables of a data center plan, shared by the markdown (text) and the HTML report. */
export function datacenterTables(p: DatacenterPlan): PlanTable[] {
  const n = p.network;
  const s = p.storage;
  return [
    {
      header: ["item", "value"],
      rows: [
        ["system", `${p.system} (${p.gpusPerNode} x ${p.accelerator})`],
        ["GPUs (requested / installed)", `${p.gpusRequested} / ${p.gpus}`],
        ["nodes", p.nodes],
        [
          "racks",
          `${p.racks} (${p.nodesPerRack} nodes, ${p.rackPowerKw.toFixed(1)} of ${p.rackPowerBudgetKw} kW, ${p.rackUnitsUsed} U each)`,
        ],
        ["cooling", p.cooling],
        [
          "IT power",
          `${p.power.itKw.toFixed(0)} kW (compute ${p.power.computeKw.toFixed(0)}, network ${p.power.networkKw.toFixed(0)}, storage ${p.power.storageKw.toFixed(0)})`,
        ],
      ],
    },
    {
      title: "Network",
      header: ["topology", "tiers", "endpoints", "leaf", "spine", "core", "NICs", "cables", "optics", "bisection Tb/s", "oversubscription"],
      rows: [
        [
          n.topology,
          n.tiers,
          n.endpoints,
          n.leafSwitches,
          n.spineSwitches,
          n.coreSwitches,
          n.nics,
          n.cables,
          n.optics,
          n.bisectionTbps.toFixed(1),
          `${n.oversubscription}:1`,
        ],
      ],
    },
    {
      title: "Storage",
      header: [
        "capacity TB",
        "hot TB",
        "warm TB",
        "cold TB",
        "largest checkpoint TB",
        "write GB/s (needed / provisioned)",
        "checkpoint write s (target)",
        "servers",
      ],
      rows: [
        [
          s.capacityTB.toFixed(1),
          s.hotTB.toFixed(1),
          s.warmTB.toFixed(1),
          s.coldTB.toFixed(1),
          s.largestCheckpointTB.toFixed(2),
          `${s.requiredWriteGBps.toFixed(1)} / ${s.provisionedWriteGBps}`,
          `${s.checkpointWriteS.toFixed(0)} (${s.checkpointWriteTargetS})`,
          s.servers,
        ],
      ],
    },
    {
      title: "Cost",
      header: ["systems", "network", "storage", "facility", "capex", "maintenance/yr"],
      rows: [
        [
          usd(p.capex.systemsUsd),
          usd(p.capex.networkUsd),
          usd(p.capex.storageUsd),
          usd(p.capex.facilityUsd),
          usd(p.capex.totalUsd),
          usd(p.opexPerYear.maintenanceUsd),
        ],
      ],
    },
    {
      title: `Sites (${p.years}-year TCO, best first)`,
      header: ["site", "PUE", "facility kW", "MWh/yr", "energy/yr", "t CO2e/yr", "latency ms", "tier", "TCO"],
      rows: p.sites.map((x) => [
        x.site,
        x.pue,
        x.facilityKw.toFixed(0),
        x.energyMWhPerYear.toFixed(0),
        usd(x.energyUsdPerYear),
        x.co2eTonnesPerYear.toFixed(0),
        x.latencyMsToUsers,
        x.tier,
        usd(x.tcoUsd),
      ]),
    },
  ];
}
