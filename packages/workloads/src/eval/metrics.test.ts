import { describe, expect, it } from "vitest";
import { binaryMetrics, rocAuc } from "./metrics.js";

describe("binary metrics", () => {
  it("computes accuracy, precision, recall, F1 and the confusion matrix at 0.5", () => {
    const m = binaryMetrics([1, 1, 1, 0, 0, 0, 0], [0.9, 0.6, 0.2, 0.7, 0.1, 0.3, 0.4]);
    expect(m.confusion).toEqual([
      [3, 1],
      [1, 2],
    ]);
    expect(m.accuracy).toBeCloseTo(5 / 7);
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.recall).toBeCloseTo(2 / 3);
    expect(m.f1).toBeCloseTo(2 / 3);
    expect(m.n).toBe(7);
  });

  it("computes ROC-AUC as the probability a positive outranks a negative, ties counting half", () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    // brute force on a random case
    const labels = Array.from({ length: 60 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
    const scores = labels.map((_, i) => ((i * 37) % 11) / 10);
    let wins = 0;
    let pairs = 0;
    labels.forEach((a, i) =>
      labels.forEach((b, j) => {
        if (a === 1 && b === 0) {
          pairs++;
          wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
        }
      }),
    );
    expect(rocAuc(labels, scores)).toBeCloseTo(wins / pairs, 10);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});
