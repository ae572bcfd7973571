import { existsSync, readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { parse } from "yaml";
import { fixture } from "../../../../test/support/data.js";
import type { ModelArch } from "../schemas/model.js";
import { buildCatalog, type CatalogKind } from "./catalog.js";
import { CATALOG_FILES } from "./data.generated.js";

/** The catalog sections this suite covers (accelerators have their own suite). */
const SECTIONS = ["systems", "switches", "nics", "models"] as const;

/** The planner validation set, committed whole under examples/data. */
const VALIDATION_SET = fixture("planner-validation.yaml");

interface ValidationEntry {
  id: string;
  kind: string;
  model?: Record<string, unknown>;
  measured?: Record<string, unknown>;
}

function validationEntries(): ValidationEntry[] {
  if (!existsSync(VALIDATION_SET)) throw new Error(`validation set not found at ${VALIDATION_SET}`);
  const doc = parse(readFileSync(VALIDATION_SET, "utf8")) as { entries?: ValidationEntry[] };
  if (!Array.isArray(doc.entries)) throw new Error(`${VALIDATION_SET} has no entries list`);
  return doc.entries;
}

const { catalog, issues } = buildCatalog(CATALOG_FILES);
const entries = validationEntries();
const ownIds = new Set(
  CATALOG_FILES.filter((f) => SECTIONS.some((s) => f.file.startsWith(`${s}/`))).map((f) => (f.data as { id?: string }).id),
);

function measured(id: string): Record<string, unknown> {
  const e = entries.find((x) => x.id === id);
  if (e?.measured === undefined) throw new Error(`validation entry ${id} not found`);
  return e.measured;
}

function get<K extends CatalogKind>(name: string, kind: K) {
  return catalog.get(name, kind);
}

describe("catalog items: systems, switches, NICs, models", () => {
  it("load with no issues (schema, sourced numbers, unique ids and names)", () => {
    const own = issues.filter(
      (i) =>
        SECTIONS.some((s) => i.path.startsWith(`${s}/`)) ||
        (i.code === "ambiguous_alias" && i.message.split(/[ ,]+/).some((word) => ownIds.has(word))),
    );
    expect(own).toEqual([]);
    expect(ownIds.size).toBe(CATALOG_FILES.filter((f) => SECTIONS.some((s) => f.file.startsWith(`${s}/`))).length);
  });

  it("resolves every system's accelerator and NICs, and no NIC group exceeds its card", () => {
    expect(catalog.systems.length).toBeGreaterThanOrEqual(5);
    for (const s of catalog.systems) {
      const acc = catalog.lookup(s.accelerator, "Accelerator");
      expect(acc.found, `${s.id}: accelerator ${s.accelerator}`).toBe(true);
      for (const g of s.nics) {
        const nic = catalog.lookup(g.nic, "Nic");
        expect(nic.found, `${s.id}: NIC ${g.nic}`).toBe(true);
        if (nic.found) expect(g.gbps, `${s.id}: ${g.nic}`).toBeLessThanOrEqual(nic.item.portGbps * nic.item.ports);
      }
      expect(
        s.nics.some((g) => g.role === "compute"),
        `${s.id} has a compute NIC`,
      ).toBe(true);
    }
  });

  const required: [CatalogKind, string[]][] = [
    ["System", ["DGX A100", "DGX H100", "DGX H200", "DGX B200", "GB200 NVL72", "SYS-421GE-TNRT"]],
    ["Switch", ["QM8700", "HDR switch", "QM9700", "NDR switch", "Q3400", "Quantum-X800", "SN4700", "SN5600"]],
    ["Nic", ["ConnectX-6", "CX7", "ConnectX-7", "ConnectX-8", "BlueField-3", "ConnectX-6 Dx"]],
    [
      "ModelArch",
      [
        "GPT-3 175B",
        "gpt3",
        ...["1.7B", "3.6B", "7.5B", "18B", "39B", "76B", "145B", "310B", "530B", "1T"].map((s) => `Megatron GPT ${s}`),
        ...["Llama 2 7B", "Llama 2 13B", "Llama 2 70B", "Llama 3 8B", "Llama 3 70B"],
        ...["Llama 3.1 8B", "Llama 3.1 70B", "Meta-Llama-3.1-70B", "llama-3.1-70b", "Llama 3.1 405B"],
        ...["Mixtral 8x7B", "DeepSeek-V3", "BERT base", "BERT large", "ViT-B/16", "ViT-L/16", "ResNet-50", "sentiment"],
      ],
    ],
  ];
  it.each(required)("finds the required %s items by the names people write", (kind, names) => {
    for (const name of names) expect(catalog.lookup(name, kind).found, `${kind} "${name}"`).toBe(true);
  });

  it("switch figures agree with the validation set (hw-ib-hdr, hw-ib-ndr)", () => {
    const hdr = measured("hw-ib-hdr");
    const qm8700 = get("QM8700", "Switch");
    expect([qm8700.portGbps, qm8700.ports, qm8700.switchingTbps]).toEqual([hdr.port_gbps, hdr.switch_ports, hdr.switch_tbps_bidir]);
    const ndr = measured("hw-ib-ndr");
    const qm9700 = get("QM9700", "Switch");
    expect([qm9700.portGbps, qm9700.ports, qm9700.radix, qm9700.switchingTbps, qm9700.inNetworkReduction]).toEqual([
      ndr.port_gbps,
      ndr.switch_ports,
      ndr.switch_ports_split_200g,
      ndr.switch_tbps_bidir,
      ndr.in_network_reduction,
    ]);
    for (const sw of catalog.switches) {
      expect(sw.radix, sw.id).toBeGreaterThanOrEqual(sw.ports);
      expect(sw.switchingTbps, `${sw.id}: bidirectional = ports x Gb/s x 2`).toBeCloseTo((sw.ports * sw.portGbps * 2) / 1000, 6);
    }
  });

  it("system figures agree with the validation set (hw-dgx-a100, hw-dgx-h100, hw-gb200-nvl72)", () => {
    for (const [id, name] of [
      ["hw-dgx-a100", "DGX A100"],
      ["hw-dgx-h100", "DGX H100"],
    ] as const) {
      const m = measured(id);
      const s = get(name, "System");
      expect([s.acceleratorCount, s.maxPowerKw, s.rackUnits], id).toEqual([m.gpus, m.max_power_kw, m.rack_units]);
    }
    const nvl = measured("hw-gb200-nvl72");
    const rack = get("GB200 NVL72", "System");
    expect([rack.acceleratorCount, rack.cpu.count]).toEqual([nvl.gpus, nvl.grace_cpus]);
    const [lo, hi] = nvl.rack_power_kw_approx as [number, number];
    expect(rack.maxPowerKw).toBeGreaterThanOrEqual(lo);
    expect(rack.maxPowerKw).toBeLessThanOrEqual(hi);
    expect(rack.cooling).toBe("liquid");
  });
});

/** Names to try for a validation model: "<family> <size>", with the family's parenthetical dropped. */
function candidateNames(family: string, paramsB: number): string[] {
  const base = family.replace(/\s*\(.*\)\s*/, "").trim();
  const paren = /\((.*)\)/.exec(family)?.[1] ?? "";
  const prefixes = paren.includes("Megatron") && !paren.includes("Core") ? ["Megatron GPT", base] : [base];
  const sizes = [`${paramsB}B`, `${Math.round(paramsB)}B`, ...(paramsB >= 1000 ? [`${Math.round(paramsB / 1000)}T`] : [])];
  return prefixes.flatMap((p) => sizes.map((s) => `${p} ${s}`));
}

const SHAPE_FIELDS: [string, string][] = [
  ["layers", "layers"],
  ["hidden", "hidden"],
  ["heads", "heads"],
  ["kv_heads", "kvHeads"],
  ["ffn_hidden", "ffnHidden"],
  ["vocab", "vocab"],
  ["routed_experts", "experts"],
  ["active_experts", "activeExperts"],
];

describe("model shapes", () => {
  it("agree with every validation-set model found by name and size", () => {
    const mismatches: string[] = [];
    const compared = new Set<string>();
    let comparisons = 0;
    for (const e of entries) {
      const vm = e.model;
      const paramsB = (vm?.params_b ?? vm?.params_b_total) as number | undefined;
      if (vm === undefined || typeof vm.family !== "string" || typeof paramsB !== "number") continue;
      const hit = candidateNames(vm.family, paramsB)
        .map((n) => catalog.lookup(n, "ModelArch"))
        .find((r) => r.found);
      if (hit === undefined || !hit.found) continue;
      const m = hit.item as Record<string, unknown> & ModelArch;
      comparisons++;
      compared.add(m.id);
      for (const [vf, cf] of SHAPE_FIELDS) {
        if (vm[vf] !== undefined && m[cf] !== vm[vf]) mismatches.push(`${e.id} -> ${m.id}: ${cf} ${String(m[cf])} != ${String(vm[vf])}`);
      }
      // Integer sizes are nominal labels ("Llama 2 7B" has 6.74e9 parameters): allow the rounding of the label as well.
      const tol = (p: number) => Math.max(0.03 * p * 1e9, Number.isInteger(p) ? 0.5e9 : 0);
      if (Math.abs(m.params - paramsB * 1e9) > tol(paramsB)) mismatches.push(`${e.id} -> ${m.id}: params ${m.params} vs ${paramsB}B`);
      const active = vm.params_b_active as number | undefined;
      if (active !== undefined && m.family === "transformer-moe" && Math.abs(m.activeParams - active * 1e9) > tol(active)) {
        mismatches.push(`${e.id} -> ${m.id}: activeParams ${m.activeParams} vs ${active}B`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(comparisons).toBeGreaterThanOrEqual(5);
    expect(compared.size).toBeGreaterThanOrEqual(5);
  });

  it("dense transformers: the parameter count computed from the shape is within 5% of params", () => {
    const dense = catalog.models.filter((m) => m.family === "transformer-dense");
    expect(dense.length).toBeGreaterThanOrEqual(20);
    for (const m of dense) {
      const headDim = m.headDim ?? m.hidden / m.heads;
      const embeddings = m.vocab * m.hidden * (m.tiedEmbeddings ? 1 : 2);
      const attention = 2 * m.hidden * m.hidden + 2 * m.hidden * m.kvHeads * headDim;
      const computed = embeddings + m.layers * (attention + m.ffnMatrices * m.hidden * m.ffnHidden);
      expect(Math.abs(computed - m.params) / m.params, `${m.id}: computed ${computed} vs ${m.params}`).toBeLessThan(0.05);
      expect(m.kvHeads, m.id).toBeLessThanOrEqual(m.heads);
    }
  });

  it("MoE transformers: fewer active than total parameters, and a consistent expert layout", () => {
    const moe = catalog.models.filter((m) => m.family === "transformer-moe");
    expect(moe.map((m) => m.id).sort()).toEqual(expect.arrayContaining(["deepseek-v3", "mixtral-8x7b"]));
    for (const m of moe) {
      expect(m.activeParams, m.id).toBeLessThan(m.params);
      expect(m.activeExperts, m.id).toBeLessThanOrEqual(m.experts);
      expect(m.denseLayers, m.id).toBeLessThan(m.layers);
    }
    const ds = get("DeepSeek-V3", "ModelArch");
    expect(
      ds.family === "transformer-moe" && [ds.layers, ds.denseLayers, ds.experts, ds.sharedExperts, ds.activeExperts, ds.attention],
    ).toEqual([61, 3, 256, 1, 8, "mla"]);
  });

  it("the reference sentiment LSTM has exactly the Keras parameter count", () => {
    const m = get("sentiment", "ModelArch");
    expect(m.family).toBe("lstm");
    if (m.family !== "lstm") return;
    const dirs = m.bidirectional ? 2 : 1;
    let lstm = 0;
    for (let layer = 0; layer < m.lstmLayers; layer++) {
      const input = layer === 0 ? m.embeddingDim : m.lstmUnits * dirs;
      lstm += dirs * 4 * (m.lstmUnits * (input + m.lstmUnits) + m.lstmUnits);
    }
    const computed = m.vocab * m.embeddingDim + lstm + (m.lstmUnits * dirs + 1) * m.outputs;
    expect([m.vocab, m.embeddingDim, m.lstmLayers, m.lstmUnits, m.outputs, m.seqLen]).toEqual([10000, 32, 1, 64, 1, 500]);
    expect(m.params).toBe(computed);
  });
});
