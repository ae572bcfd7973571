import { describe, expect, it } from "vitest";
import { DEFAULT_ORDERS, RdpAccountant, noiseForEpsilon, rdpEpsilon, sampledGaussianRdp } from "./rdp.js";
import { logAdd, logErfc } from "./special.js";

/** The orders TF Privacy's MNIST tutorial passed to its accountant when the published table was made. */
const TF_TUTORIAL_ORDERS = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, ...Array.from({ length: 59 }, (_, i) => 5 + i), 128, 256, 512];

const within = (got: number, want: number, rel: number): void => {
  expect(Math.abs(got - want) / want).toBeLessThanOrEqual(rel);
};

describe("published values", () => {
  // TensorFlow Privacy, tutorials/README.md, "Select Parameters": MNIST, N = 60,000, 256 examples per step,
  // δ = 1e-5; noise 1.12 for 60 epochs → ε 2.92; noise 0.6 for 30 epochs → ε 9.74; noise 1.2 for 10 epochs → ε 1.20.
  // Steps = epochs × ⌊60000/256⌋ (the tutorial drops the last partial batch); classic RDP→(ε,δ) conversion.
  it.each([
    [1.12, 60, 2.92],
    [0.6, 30, 9.74],
    [1.2, 10, 1.2],
  ])("TF Privacy MNIST table: σ=%f, %i epochs → ε %f (within 1 %)", (sigma, epochs, eps) => {
    const got = rdpEpsilon({
      samplingRate: 256 / 60000,
      noiseMultiplier: sigma,
      steps: epochs * Math.floor(60000 / 256),
      delta: 1e-5,
      orders: TF_TUTORIAL_ORDERS,
      conversion: "classic",
    });
    within(got.epsilon, eps, 0.01);
  });

  // Abadi et al. 2016, "Deep Learning with Differential Privacy", Section 3.1: q = 0.01, σ = 4, δ = 1e-5,
  // T = 10,000 steps gives ε ≈ 1.26 with the moments accountant (moments λ ≤ 32, i.e. RDP orders 2…33).
  it("Abadi et al. 2016 §3.1: q=0.01, σ=4, T=10000 → ε ≈ 1.26", () => {
    const orders = Array.from({ length: 32 }, (_, i) => i + 2);
    const got = rdpEpsilon({ samplingRate: 0.01, noiseMultiplier: 4, steps: 10000, delta: 1e-5, orders, conversion: "classic" });
    within(got.epsilon, 1.26, 0.01);
  });

  it("the improved conversion is never worse than the classic one", () => {
    for (const [q, s, t] of [
      [256 / 60000, 1.12, 14040],
      [0.01, 4, 10000],
      [0.02, 0.8, 500],
    ] as const) {
      const a = rdpEpsilon({ samplingRate: q, noiseMultiplier: s, steps: t, delta: 1e-5 });
      const b = rdpEpsilon({ samplingRate: q, noiseMultiplier: s, steps: t, delta: 1e-5, conversion: "classic" });
      expect(a.epsilon).toBeLessThanOrEqual(b.epsilon);
      expect(a.epsilon).toBeGreaterThan(0.5 * b.epsilon);
    }
  });
});

/** A_α = ∫ μ(z)^α μ₀(z)^{1−α} dz by the trapezoid rule in log space: the definition, independent of the series. */
function rdpByQuadrature(q: number, sigma: number, alpha: number): number {
  const lo = -40 * sigma - 10;
  const hi = 40 * sigma + 10;
  const n = 400_000;
  const dz = (hi - lo) / n;
  let acc = -Infinity;
  for (let i = 0; i <= n; i++) {
    const z = lo + i * dz;
    const l0 = (-z * z) / (2 * sigma * sigma);
    const l1 = (-(z - 1) * (z - 1)) / (2 * sigma * sigma);
    const lmu = logAdd(Math.log1p(-q) + l0, Math.log(q) + l1);
    acc = logAdd(acc, alpha * lmu + (1 - alpha) * l0 + (i === 0 || i === n ? Math.log(0.5) : 0));
  }
  return (acc + Math.log(dz) - 0.5 * Math.log(2 * Math.PI * sigma * sigma)) / (alpha - 1);
}

describe("sampled Gaussian RDP", () => {
  it.each([
    [0.01, 1.1, 1.5],
    [0.01, 1.1, 2.5],
    [0.3, 0.8, 3],
    [0.3, 0.8, 10.5],
    [0.05, 2, 7.25],
    [0.25, 1.5, 1.25], // large q: the series needs thousands of terms here
  ])("q=%f σ=%f α=%f agrees with numerical integration of the definition", (q, s, a) => {
    within(sampledGaussianRdp(q, s, a), rdpByQuadrature(q, s, a), 1e-6);
  });

  it("q = 1 is the plain Gaussian mechanism, α/(2σ²); q = 0 costs nothing", () => {
    expect(sampledGaussianRdp(1, 2, 8)).toBeCloseTo(8 / 8, 12);
    expect(sampledGaussianRdp(0, 2, 8)).toBe(0);
  });

  it("fractional orders interpolate the integer ones monotonically", () => {
    const rs = [2, 2.5, 3, 3.5, 4].map((a) => sampledGaussianRdp(0.02, 1, a));
    for (let i = 1; i < rs.length; i++) expect(rs[i]).toBeGreaterThan(rs[i - 1] as number);
  });

  it("erfc in log space matches known values and stays finite far in the tail", () => {
    within(Math.exp(logErfc(0.5)), 0.4795001221869535, 1e-13);
    within(Math.exp(logErfc(3)), 2.209049699858544e-5, 1e-12);
    within(Math.exp(logErfc(-1)), 1.8427007929497148, 1e-14);
    within(-logErfc(20), 403.56934333410425, 1e-13); // log(erfc(20)), SciPy
    // erfc(40) underflows a double; its log follows −x² − log(x√π) − 1/(2x²) to ~1e-7
    expect(logErfc(40)).toBeCloseTo(-1600 - Math.log(40 * Math.sqrt(Math.PI)) - 1 / 3200, 6);
  });
});

describe("planning and accounting", () => {
  it("noiseForEpsilon finds the smallest σ that meets the target", () => {
    const plan = { samplingRate: 512 / 25000, steps: 20 * Math.ceil(25000 / 512), delta: 1e-5 };
    for (const target of [0.5, 1, 8]) {
      const sigma = noiseForEpsilon({ ...plan, epsilon: target });
      expect(rdpEpsilon({ ...plan, noiseMultiplier: sigma }).epsilon).toBeLessThanOrEqual(target);
      expect(rdpEpsilon({ ...plan, noiseMultiplier: sigma * 0.995 }).epsilon).toBeGreaterThan(target);
    }
  });

  it("the running accountant composes steps like one call", () => {
    const acc = new RdpAccountant();
    acc.step(0.01, 1.1, 300);
    acc.step(0.01, 1.1, 700);
    const one = rdpEpsilon({ samplingRate: 0.01, noiseMultiplier: 1.1, steps: 1000, delta: 1e-5 });
    expect(acc.epsilon(1e-5).epsilon).toBeCloseTo(one.epsilon, 10);
    expect(DEFAULT_ORDERS).toContain(one.order);
  });

  it("ε grows with steps and shrinks with noise", () => {
    const e = (s: number, t: number): number => rdpEpsilon({ samplingRate: 0.01, noiseMultiplier: s, steps: t, delta: 1e-5 }).epsilon;
    expect(e(1, 2000)).toBeGreaterThan(e(1, 1000));
    expect(e(2, 1000)).toBeLessThan(e(1, 1000));
    expect(e(0, 10)).toBe(Infinity);
  });

  it("bad input names the field", () => {
    expect(() => rdpEpsilon({ samplingRate: 1.5, noiseMultiplier: 1, steps: 1, delta: 1e-5 })).toThrow(/samplingRate/);
    expect(() => rdpEpsilon({ samplingRate: 0.1, noiseMultiplier: -1, steps: 1, delta: 1e-5 })).toThrow(/noiseMultiplier/);
    expect(() => rdpEpsilon({ samplingRate: 0.1, noiseMultiplier: 1, steps: 1.5, delta: 1e-5 })).toThrow(/steps/);
    expect(() => rdpEpsilon({ samplingRate: 0.1, noiseMultiplier: 1, steps: 1, delta: 0 })).toThrow(/delta/);
    expect(() => noiseForEpsilon({ samplingRate: 0.1, steps: 1, delta: 1e-5, epsilon: 0 })).toThrow(/epsilon/);
  });
});
