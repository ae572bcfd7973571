import type { Accelerator, Catalog, Switch, System } from "@aidc/core";
import { str, type ValidationEntry } from "./entry.js";
import { resolveName } from "./resolve.js";

type Out = Record<string, number | null>;

function accelerator(a: Accelerator, key: string): number | undefined {
  const d = a.dense;
  const map: Record<string, number | undefined> = {
    bf16_dense_tflops: d.bf16Tflops,
    bf16_peak_tflops: d.bf16Tflops,
    fp16_dense_tflops: d.fp16Tflops,
    fp8_dense_tflops: d.fp8Tflops,
    fp4_dense_tflops: d.fp4Tflops,
    tf32_dense_tflops: d.tf32Tflops,
    fp64_tensor_tflops: d.fp64Tflops,
    fp64_tflops: d.fp64Tflops,
    int8_dense_tops: d.int8Tops,
    int8_peak_tops: d.int8Tops,
    hbm_gb: a.memoryGB,
    hbm_gib: a.memoryGB,
    hbm_bw_gb_s: a.memoryBandwidthGBps,
    nvlink_bidir_gb_s: a.formFactor === "sxm" || a.formFactor === "superchip" ? a.scaleUp?.bidirGBps : undefined,
    nvlink_bridge_bidir_gb_s: a.formFactor === "pcie" ? a.scaleUp?.bidirGBps : undefined,
    nvlink_links: a.scaleUp?.links,
    tdp_w: a.tdpW,
    pod_chips: a.formFactor === "tpu" ? a.scaleUp?.domainSize : undefined,
    pod_peak_eflops:
      a.formFactor === "tpu" && a.scaleUp?.domainSize && d.bf16Tflops ? (a.scaleUp.domainSize * d.bf16Tflops) / 1e6 : undefined,
  };
  return map[key];
}

function system(s: System, acc: Accelerator | undefined, key: string): number | undefined {
  const n = s.acceleratorCount;
  const map: Record<string, number | undefined> = {
    gpus: n,
    max_power_kw: s.maxPowerKw,
    rack_units: s.rackUnits,
    grace_cpus: s.cpu.model.toLowerCase().includes("grace") ? s.cpu.count : undefined,
    nvlink_domain_gpus: acc?.scaleUp ? Math.min(n, acc.scaleUp.domainSize ?? n) : undefined,
    hbm_total_gb: acc ? n * acc.memoryGB : undefined,
    // vendors quote "with sparsity" system figures: twice the dense peak
    fp8_pflops_sparse: acc?.dense.fp8Tflops ? (2 * n * acc.dense.fp8Tflops) / 1000 : undefined,
    fp4_pflops_sparse: acc?.dense.fp4Tflops ? (2 * n * acc.dense.fp4Tflops) / 1000 : undefined,
  };
  return map[key];
}

function switchSpec(sw: Switch, key: string): number | undefined {
  const map: Record<string, number | undefined> = {
    port_gbps: sw.portGbps,
    switch_ports: sw.ports,
    switch_ports_split_200g: sw.radix,
    switch_tbps_bidir: sw.switchingTbps,
    // a non-blocking two-tier fat tree of radix-k switches (k ports each) reaches k^2/2 endpoints
    two_tier_fat_tree_max_endpoints: (sw.ports * sw.ports) / 2,
  };
  return map[key];
}

/** Hardware specifications come from the catalog only (accelerators, systems, switches). */
export function predictHardware(catalog: Catalog, e: ValidationEntry, keys: readonly string[]): Out {
  const text = str(e.hardware?.["accelerator"]);
  const acc = resolveName(catalog, text, "Accelerator");
  const sys = resolveName(catalog, text, "System");
  const sw = resolveName(catalog, text, "Switch");
  const sysAcc = sys ? catalog.lookup(sys.accelerator, "Accelerator") : undefined;
  // names like "DGX A100 (8x A100)" resolve in several sections: keep the reading that answers most keys
  const readings: ((k: string) => number | undefined)[] = [];
  if (sys) readings.push((k) => system(sys, sysAcc?.found ? sysAcc.item : undefined, k));
  if (sw) readings.push((k) => switchSpec(sw, k));
  if (acc) readings.push((k) => accelerator(acc, k));
  let best: Out = Object.fromEntries(keys.map((k) => [k, null]));
  let bestCount = 0;
  for (const read of readings) {
    const out: Out = {};
    let n = 0;
    for (const k of keys) {
      const v = read(k);
      out[k] = v ?? null;
      if (v !== undefined) n++;
    }
    if (n > bestCount) {
      best = out;
      bestCount = n;
    }
  }
  return best;
}
