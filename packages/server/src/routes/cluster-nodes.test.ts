import { describe, expect, it } from "vitest";
import { nodeState } from "../node-state.js";

describe("a node's state for people", () => {
  it("is up, cordoned, draining while a drained node still runs jobs, then drained; the reason without the drain marker", () => {
    expect(nodeState(undefined, 3)).toEqual({ state: "up" });
    expect(nodeState("fan alarm (olga)", 2)).toEqual({ state: "cordoned", reason: "fan alarm (olga)" });
    expect(nodeState("[drain] firmware (olga)", 1)).toEqual({ state: "draining", reason: "firmware (olga)" });
    expect(nodeState("[drain] firmware (olga)", 0)).toEqual({ state: "drained", reason: "firmware (olga)" });
  });
});
