import { issue, type Catalog, type Issue, type Switch, type System } from "@aidc/core";
import type { DatacenterScenario } from "./schemas.js";

/** Prices and sizes used when a scenario does not give its own; named so a report can show them. */
export const DATACENTER_DEFAULTS = {
  /** rack units kept free per rack for the top-of-rack/leaf switch and PDUs */
  reservedRackUnits: 2,
  usdPerAcceleratorInSystem: 35_000,
  usdPerSwitch: 30_000,
  usdPerNic: 1_500,
  usdPerOptic: 800,
  /**
   * one file-system server of the hot tier without its drives: 2 CPUs, 2 x 400 Gb/s NICs, 2U chassis
   * and the parallel file system's licence (the drives are the per-TB prices below)
   */
  usdPerStorageServer: 80_000,
  /** media per usable TB: NVMe flash (hot), disk (warm), object/tape archive (cold) */
  usdPerTBHot: 150,
  usdPerTBWarm: 40,
  usdPerTBCold: 10,
  /** facility build-out (power, cooling, shell) per kW of IT load */
  usdPerKwFacility: 10_000,
  /** yearly maintenance and support as a share of hardware capex */
  maintenanceShare: 0.06,
  /** sustained write bandwidth of one storage server, GB/s, and its power */
  storageServerGBps: 20,
  storageServerTB: 500,
  storageServerKw: 1.2,
  /** bytes per parameter of a full training checkpoint: bf16 weights + fp32 master + Adam moments (BLOOM: 2.3 TB for 176B) */
  checkpointBytesPerParam: 14,
  /** cold (archive) copies of the hot+warm data */
  coldCopies: 1,
  airCooledMaxRackKw: 20,
  hybridMaxRackKw: 50,
} as const;

export interface NetworkPlan {
  readonly topology: string;
  readonly tiers: number;
  readonly endpoints: number;
  readonly switchPorts: number;
  readonly leafSwitches: number;
  readonly spineSwitches: number;
  readonly coreSwitches: number;
  readonly downlinksPerLeaf: number;
  readonly uplinksPerLeaf: number;
  readonly nics: number;
  readonly cables: number;
  readonly optics: number;
  readonly bisectionTbps: number;
  readonly oversubscription: number;
}

export interface SitePlan {
  readonly site: string;
  readonly pue: number;
  readonly facilityKw: number;
  readonly energyMWhPerYear: number;
  readonly energyUsdPerYear: number;
  readonly co2eTonnesPerYear: number;
  readonly tcoUsd: number;
  readonly latencyMsToUsers: number;
  readonly tier: number;
}

export interface DatacenterPlan {
  readonly scenario: string;
  readonly system: string;
  readonly accelerator: string;
  readonly gpusRequested: number;
  readonly gpus: number;
  readonly gpusPerNode: number;
  readonly nodes: number;
  readonly nodesPerRack: number;
  readonly racks: number;
  readonly rackPowerKw: number;
  readonly rackPowerBudgetKw: number;
  readonly rackUnitsUsed: number;
  readonly cooling: "air" | "hybrid" | "liquid";
  readonly network: NetworkPlan;
  readonly storage: {
    readonly capacityTB: number;
    readonly hotTB: number;
    readonly warmTB: number;
    readonly coldTB: number;
    readonly largestCheckpointTB: number;
    readonly requiredWriteGBps: number;
    readonly provisionedWriteGBps: number;
    readonly servers: number;
    readonly checkpointWriteS: number;
    readonly checkpointWriteTargetS: number;
  };
  readonly power: { readonly itKw: number; readonly computeKw: number; readonly networkKw: number; readonly storageKw: number };
  readonly capex: {
    readonly systemsUsd: number;
    readonly networkUsd: number;
    readonly storageUsd: number;
    readonly facilityUsd: number;
    readonly totalUsd: number;
  };
  readonly opexPerYear: { readonly maintenanceUsd: number };
  readonly years: number;
  readonly sites: readonly SitePlan[];
  readonly assumptions: typeof DATACENTER_DEFAULTS;
}

export function sizeNetwork(endpoints: number, sw: Switch, topology: string, oversubscription: number): NetworkPlan {
  const k = sw.ports;
  const down = Math.max(1, Math.floor((k * oversubscription) / (oversubscription + 1)));
  const up = k - down;
  let tiers = 1;
  let leaves = 1;
  let spines = 0;
  let cores = 0;
  if (endpoints > k) {
    tiers = 2;
    leaves = Math.ceil(endpoints / down);
    spines = Math.ceil((leaves * up) / k);
    if (leaves > k) {
      // three tiers: pods of k/2 leaves under k/2 spines, spines connect up to cores
      tiers = 3;
      const podLeaves = Math.floor(k / 2);
      const pods = Math.ceil(leaves / podLeaves);
      const half = Math.floor(k / 2);
      spines = pods * Math.ceil((podLeaves * up) / half);
      cores = Math.ceil((spines * half) / k);
    }
  }
  const leafSpineLinks = tiers >= 2 ? leaves * up : 0;
  const spineCoreLinks = tiers === 3 ? spines * Math.floor(k / 2) : 0;
  const cables = endpoints + leafSpineLinks + spineCoreLinks;
  return {
    topology,
    tiers,
    endpoints,
    switchPorts: k,
    leafSwitches: leaves,
    spineSwitches: spines,
    coreSwitches: cores,
    downlinksPerLeaf: tiers === 1 ? k : down,
    uplinksPerLeaf: tiers === 1 ? 0 : up,
    nics: endpoints,
    cables,
    optics: 2 * cables,
    bisectionTbps: (endpoints * sw.portGbps) / 2 / oversubscription / 1000,
    oversubscription,
  };
}

function cooling(rackKw: number): DatacenterPlan["cooling"] {
  return rackKw <= DATACENTER_DEFAULTS.airCooledMaxRackKw ? "air" : rackKw <= DATACENTER_DEFAULTS.hybridMaxRackKw ? "hybrid" : "liquid";
}

export function planDatacenter(s: DatacenterScenario, catalog: Catalog): { plan?: DatacenterPlan; issues: Issue[] } {
  const D = DATACENTER_DEFAULTS;
  const issues: Issue[] = [];
  const sysRef = catalog.lookup(s.system, "System");
  const swRef = catalog.lookup(s.network.switch, "Switch");
  const r1 = catalog.checkRef(s.system, "System", ["system"]);
  const r2 = catalog.checkRef(s.network.switch, "Switch", ["network", "switch"]);
  if (r1) issues.push(r1);
  if (r2) issues.push(r2);
  s.demand.forEach((d, i) => {
    if (d.model !== undefined) {
      const r = catalog.checkRef(d.model, "ModelArch", ["demand", i, "model"]);
      if (r) issues.push(r);
    }
  });
  if (!sysRef.found || !swRef.found || issues.length > 0) return { issues };
  const sys: System = sysRef.item;
  const sw: Switch = swRef.item;
  const gpn = sys.acceleratorCount;
  const rackScale = sys.rackUnits >= s.rack.rackUnits - D.reservedRackUnits;
  const byPower = Math.floor(s.rack.powerKw / sys.maxPowerKw);
  const bySpace = rackScale ? 1 : Math.floor((s.rack.rackUnits - D.reservedRackUnits) / sys.rackUnits);
  const nodesPerRack = Math.min(byPower, bySpace);
  if (nodesPerRack < 1) {
    return {
      issues: [
        issue(
          "does_not_fit",
          "rack.powerKw",
          `one ${sys.id} draws ${sys.maxPowerKw} kW, more than the rack budget of ${s.rack.powerKw} kW`,
        ),
      ],
    };
  }
  const gpusRequested = s.demand.reduce((t, d) => t + d.gpus, 0);
  const nodes = s.demand.reduce((t, d) => t + Math.ceil(d.gpus / gpn), 0);
  const racks = Math.ceil(nodes / nodesPerRack);
  const nicsPerNode = sys.nics.filter((n) => n.role === "compute").reduce((t, n) => t + n.count, 0) || gpn;
  const network = sizeNetwork(nodes * nicsPerNode, sw, s.network.topology, s.network.oversubscription);
  const switches = network.leafSwitches + network.spineSwitches + network.coreSwitches;

  // storage: checkpoints of every training demand, model weights, datasets
  let largestCheckpointTB = 0;
  let capacityTB = 0;
  for (const d of s.demand) {
    const m = d.model !== undefined ? catalog.lookup(d.model, "ModelArch") : undefined;
    const params = m?.found ? m.item.params : 0;
    const ckptTB = (params * D.checkpointBytesPerParam) / 1e12;
    if (d.kind === "training") {
      largestCheckpointTB = Math.max(largestCheckpointTB, ckptTB);
      capacityTB += ckptTB * s.storage.checkpointsKept;
    }
    capacityTB += (params * 2) / 1e12 + d.datasetTB;
  }
  const requiredWriteGBps = (largestCheckpointTB * 1000) / s.storage.checkpointWriteTargetS;
  const storageServers = Math.max(1, Math.ceil(requiredWriteGBps / D.storageServerGBps), Math.ceil(capacityTB / D.storageServerTB));
  const provisionedWriteGBps = storageServers * D.storageServerGBps;
  const hotTB = capacityTB * s.storage.hotFraction;
  const warmTB = capacityTB - hotTB;
  const coldTB = capacityTB * D.coldCopies;

  const computeKw = nodes * sys.maxPowerKw;
  const networkKw = (switches * (sw.maxPowerW ?? 1500)) / 1000;
  const storageKw = storageServers * D.storageServerKw;
  const itKw = computeKw + networkKw + storageKw;
  const rackPowerKw = nodesPerRack * sys.maxPowerKw;

  const systemsUsd = s.finance.systemUsd !== undefined ? nodes * s.finance.systemUsd : nodes * gpn * D.usdPerAcceleratorInSystem;
  const networkUsd = switches * D.usdPerSwitch + network.nics * D.usdPerNic + network.optics * D.usdPerOptic;
  // the servers that give the capacity and the checkpoint bandwidth, and the media in them
  const storageUsd = storageServers * D.usdPerStorageServer + hotTB * D.usdPerTBHot + warmTB * D.usdPerTBWarm + coldTB * D.usdPerTBCold;
  const facilityUsd = itKw * D.usdPerKwFacility;
  const hardware = systemsUsd + networkUsd + storageUsd;
  const maintenanceUsd = hardware * D.maintenanceShare;
  const years = s.finance.years;
  const sites = s.sites
    .map((site) => {
      const facilityKw = itKw * site.pue;
      const mwh = (facilityKw * 8760 * s.finance.utilization) / 1000;
      const energyUsd = mwh * 1000 * site.usdPerKwh;
      return {
        site: site.name,
        pue: site.pue,
        facilityKw,
        energyMWhPerYear: mwh,
        energyUsdPerYear: energyUsd,
        co2eTonnesPerYear: mwh * site.gridKgCo2PerKwh,
        tcoUsd: hardware + facilityUsd + years * (energyUsd + maintenanceUsd),
        latencyMsToUsers: site.latencyMsToUsers,
        tier: site.tier,
      };
    })
    .sort((a, b) => a.tcoUsd - b.tcoUsd);
  return {
    plan: {
      scenario: s.name,
      system: sys.id,
      accelerator: sys.accelerator,
      gpusRequested,
      gpus: nodes * gpn,
      gpusPerNode: gpn,
      nodes,
      nodesPerRack,
      racks,
      rackPowerKw,
      rackPowerBudgetKw: s.rack.powerKw,
      rackUnitsUsed: rackScale ? sys.rackUnits : nodesPerRack * sys.rackUnits + D.reservedRackUnits,
      cooling: sys.cooling === "liquid" ? "liquid" : cooling(rackPowerKw),
      network,
      storage: {
        capacityTB,
        hotTB,
        warmTB,
        coldTB,
        largestCheckpointTB,
        requiredWriteGBps,
        provisionedWriteGBps,
        servers: storageServers,
        checkpointWriteS: provisionedWriteGBps > 0 ? (largestCheckpointTB * 1000) / provisionedWriteGBps : 0,
        checkpointWriteTargetS: s.storage.checkpointWriteTargetS,
      },
      power: { itKw, computeKw, networkKw, storageKw },
      capex: { systemsUsd, networkUsd, storageUsd, facilityUsd, totalUsd: hardware + facilityUsd },
      opexPerYear: { maintenanceUsd },
      years,
      sites,
      assumptions: D,
    },
    issues: [],
  };
}
