import { describe, expect, it } from "vitest";
import { InvalidInputError } from "@aidc/core";
import { printWhatIf, whatIfBody, type WhatIfAnswer } from "./whatif.js";

describe("aidc whatif flags", () => {
  it("turns '4x DGX H100' into a system and '2x h100' into an accelerator, into the given rack", () => {
    expect(whatIfBody({ addNodes: ["4x DGX H100", "2 x h100"], rack: "rack-b", quota: ["research=24:main"], cancel: ["j-1"] })).toEqual({
      addNodes: [
        { system: "DGX H100", count: 4, rack: "rack-b" },
        { accelerator: "h100", count: 2, rack: "rack-b" },
      ],
      quotas: [{ queue: "research", nominalGpus: 24, cohort: "main" }],
      cancel: ["j-1"],
    });
  });

  it("names every malformed flag", () => {
    let caught: unknown;
    try {
      whatIfBody({ addNodes: ["many DGX"], quota: ["research"], priority: ["j-1:3"], horizon: "-5" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    expect((caught as InvalidInputError).issues.map((i) => i.path)).toEqual(["--add-nodes[0]", "--quota[0]", "--priority[0]", "--horizon"]);
  });
});

describe("aidc whatif output", () => {
  it("prints the before/after table and the jobs that start earlier", () => {
    const s = {
      pending: 2,
      meanDelayS: 3600,
      p50DelayS: 3600,
      p90DelayS: 7200,
      maxDelayS: 7200,
      utilizationNext1h: 1,
      utilizationNext6h: 0.5,
      neverStart: 0,
    };
    const r: WhatIfAnswer = {
      before: s,
      after: { ...s, meanDelayS: 60 },
      jobs: [],
      gainers: [{ id: "j-1", name: "train", queue: "production", beforeStartMs: 3_600_000, afterStartMs: 0, deltaS: -3600 }],
      losers: [],
      computedMs: 12,
    };
    let out = "";
    printWhatIf({ out: (t) => (out += t), err: () => undefined, tty: false }, r, 0);
    expect(out).toContain("\tBEFORE\tAFTER\n");
    expect(out).toContain("mean queue delay\t60 min\t60 s\n");
    expect(out).toContain("Start earlier:\nJOB\tNAME\tQUEUE\tBEFORE\tAFTER\tCHANGE\nj-1\ttrain\tproduction\tin 60 min\tnow\t-60 min\n");
  });
});
