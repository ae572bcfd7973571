import type { Command } from "commander";
import { CATALOG_KINDS, InvalidInputError, defaultCatalog, lookupMessage, type CatalogItem, type CatalogSection } from "@aidc/core";
import { printJson, printTable, type Cell, type Io } from "../output.js";

const SECTIONS = Object.values(CATALOG_KINDS).map((k) => k.section);

function rowsFor(section: CatalogSection, items: readonly CatalogItem[]): { header: string[]; rows: Cell[][] } {
  const pick = <K extends CatalogItem["kind"]>(kind: K) => items.filter((i): i is Extract<CatalogItem, { kind: K }> => i.kind === kind);
  switch (section) {
    case "accelerators":
      return {
        header: ["ID", "NAME", "MEM GB", "MEM GB/s", "FP16 TFLOPS", "BF16 TFLOPS", "FP8 TFLOPS", "TDP W", "SCALE-UP GB/s"],
        rows: pick("Accelerator").map((a) => [
          a.id,
          a.name,
          a.memoryGB,
          a.memoryBandwidthGBps,
          a.dense.fp16Tflops,
          a.dense.bf16Tflops,
          a.dense.fp8Tflops,
          a.tdpW,
          a.scaleUp?.bidirGBps,
        ]),
      };
    case "systems":
      return {
        header: ["ID", "NAME", "ACCELERATORS", "CPU CORES", "MEM GiB", "RU", "MAX kW"],
        rows: pick("System").map((s) => [
          s.id,
          s.name,
          `${s.acceleratorCount}x ${s.accelerator}`,
          s.cpu.count * s.cpu.coresPerCpu,
          s.memoryGiB,
          s.rackUnits,
          s.maxPowerKw,
        ]),
      };
    case "switches":
      return {
        header: ["ID", "NAME", "TECH", "PORTS", "RADIX", "Tb/s", "IN-NETWORK REDUCTION"],
        rows: pick("Switch").map((s) => [
          s.id,
          s.name,
          s.technology,
          `${s.ports}x${s.portGbps}G`,
          s.radix,
          s.switchingTbps,
          s.inNetworkReduction,
        ]),
      };
    case "nics":
      return {
        header: ["ID", "NAME", "TECH", "PORTS", "HOST"],
        rows: pick("Nic").map((n) => [n.id, n.name, n.technology.join("/"), `${n.ports}x${n.portGbps}G`, n.hostInterface]),
      };
    case "models":
      return {
        header: ["ID", "NAME", "FAMILY", "PARAMS (B)", "LAYERS", "HIDDEN", "SEQ"],
        rows: pick("ModelArch").map((m) => [
          m.id,
          m.name,
          m.family,
          Number((m.params / 1e9).toPrecision(4)),
          "layers" in m ? m.layers : "lstmLayers" in m ? m.lstmLayers : undefined,
          "hidden" in m ? m.hidden : "lstmUnits" in m ? m.lstmUnits : undefined,
          "seqLen" in m ? m.seqLen : undefined,
        ]),
      };
  }
}

function flatten(value: unknown, prefix: string, out: [string, string][]): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === "" ? k : `${prefix}.${k}`, out);
  } else if (Array.isArray(value) && value.some((v) => typeof v === "object")) {
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else {
    out.push([prefix, Array.isArray(value) ? value.join(", ") : String(value)]);
  }
}

export function registerCatalog(program: Command, io: Io): void {
  const catalog = program.command("catalog").description("hardware and model catalog: accelerators, systems, switches, nics, models");
  for (const section of SECTIONS) {
    catalog
      .command(section)
      .description(`list ${section}`)
      .option("--json", "print one JSON document (an array of items with every field)")
      .action((opts: { json?: boolean }) => {
        const items = defaultCatalog().section(section);
        if (opts.json) return printJson(io, items);
        const t = rowsFor(section, items);
        printTable(io, t.header, t.rows);
      });
  }
  catalog
    .command("show")
    .description("show one item by id or any name people use (e.g. 'h100 sxm', 'NVIDIA H100 SXM', 'llama 3.1 70b')")
    .argument("<name>")
    .option("--json", "print the item as one JSON document")
    .action((name: string, opts: { json?: boolean }) => {
      const r = defaultCatalog().lookup(name);
      if (!r.found) {
        throw new InvalidInputError(`Cannot show "${name}"`, [
          { code: "unknown_reference", path: "name", message: lookupMessage(name, undefined, r) },
        ]);
      }
      if (opts.json) return printJson(io, r.item);
      const rows: [string, string][] = [];
      flatten(r.item, "", rows);
      printTable(io, ["FIELD", "VALUE"], rows);
    });
}
