import { defaultCatalog } from "@aidc/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_ASSUMPTIONS } from "./assumptions.js";
import { hardwareProfile, hostLinkGBpsOf } from "./hardware.js";
import { trainingMemory } from "./memory.js";
import { offloadTime } from "./offload.js";
import type { ParallelConfig, TrainingOptions } from "./parallel.js";
import { countShape, shapeFromModel } from "./shape.js";

const catalog = defaultCatalog();
const acc = (id: string) => catalog.accelerators.find((x) => x.id === id)!;
const shape = shapeFromModel(
  catalog.models.find((x) => x.id === "llama-3.1-70b")!,
  4096,
)!;
const counts = countShape(shape);
const o: TrainingOptions = { precision: "bf16", finetune: "full", flashAttention: true, fp32Grads: false, dropout: false };
const p: ParallelConfig = {
  tp: 8,
  pp: 4,
  dp: 4,
  cp: 1,
  ep: 1,
  vp: 1,
  microBatch: 1,
  globalBatch: 64,
  recompute: "none",
  sequenceParallel: true,
  zeroStage: 1,
};

describe("host link from the catalog", () => {
  it("reads PCIe generations and NVLink-C2C", () => {
    expect(hostLinkGBpsOf("PCIe Gen4 x16")).toBe(31.5);
    expect(hostLinkGBpsOf("PCIe Gen5 x16")).toBe(63);
    expect(hostLinkGBpsOf("PCIe Gen5 x8")).toBe(31.5);
    expect(hostLinkGBpsOf("NVLink-C2C to Grace CPU (900 GB/s)")).toBe(450);
    expect(hostLinkGBpsOf("something else")).toBeUndefined();
  });
  it("puts host link, host memory and its bandwidth per accelerator into the profile", () => {
    const h100 = hardwareProfile(acc("h100-sxm5-80gb"), catalog);
    // a DGX H100 puts two GPUs behind each PCIe Gen5 x16 switch uplink: 63 GB/s shared by two
    expect(h100.hostLinkGBps).toBe(63 / 2);
    expect(h100.hostMemoryBytes).toBe((2048 * 2 ** 30) / 8);
    expect(h100.hostMemoryBandwidthGBps).toBeCloseTo(614.4 / 8, 6);
    const gb = hardwareProfile(acc("b300-gb300"), catalog);
    expect(gb.hostLinkGBps).toBe(450);
    expect(gb.system).toBe("gb300-nvl72");
  });
});

describe("offload traffic per step", () => {
  const h100 = hardwareProfile(acc("h100-sxm5-80gb"), catalog);
  const a = DEFAULT_ASSUMPTIONS;
  it("costs nothing without offloads", () => {
    const m = trainingMemory(shape, counts, p, o);
    const t = offloadTime(h100, a, p, o, m, 10);
    expect(t.exposedS).toBe(0);
    expect(t.bytesToHost + t.bytesToDevice).toBe(0);
  });
  it("moves the optimizer to the host and pays the CPU step and the weight upload", () => {
    const q = { ...p, offloadOptimizer: true };
    const m = trainingMemory(shape, counts, q, o);
    const t = offloadTime(h100, a, q, o, m, 10);
    expect(m.optimizerBytes).toBe(0);
    expect(t.hostBytes).toBe(m.hostOptimizerBytes);
    expect(t.optimizerCpuS).toBeGreaterThan(0);
    expect(t.exposedS).toBeGreaterThanOrEqual(t.optimizerCpuS);
    // a faster host link (NVLink-C2C) exposes less
    const fast = offloadTime({ ...h100, hostLinkGBps: 450 }, a, q, o, m, 10);
    expect(fast.exposedS).toBeLessThan(t.exposedS);
  });
  it("hides weight streaming behind long compute and exposes it behind short compute", () => {
    const q = { ...p, offloadWeights: true };
    const m = trainingMemory(shape, counts, q, o);
    const long = offloadTime(h100, a, q, o, m, 1e4);
    const short = offloadTime(h100, a, q, o, m, 0.1);
    expect(long.exposedS).toBe(0);
    expect(short.exposedS).toBeGreaterThan(long.weightLinkS / 2);
    expect(long.bytesToDevice).toBeCloseTo(16 * 2 * (m.weightsBytes + m.hostWeightsBytes), -3);
  });
  it("sends each micro-batch's activations down and back", () => {
    const q = { ...p, offloadActivations: true };
    const m = trainingMemory(shape, counts, q, o);
    const t = offloadTime(h100, a, q, o, m, 0.01);
    expect(t.bytesToHost).toBeCloseTo(16 * m.activationBytesPerMicroBatch, -3);
    expect(t.exposedS).toBeGreaterThan(0);
  });
  it("reports when the host cannot hold the offloaded bytes", () => {
    const q = { ...p, offloadOptimizer: true, offloadWeights: true };
    const m = trainingMemory(shape, counts, q, o);
    expect(offloadTime(h100, a, q, o, m, 1).hostFits).toBe(true);
    expect(offloadTime({ ...h100, hostMemoryBytes: 1e9 }, a, q, o, m, 1).hostFits).toBe(false);
  });
});
