import { describe, expect, it } from "vitest";
import type { Artifact, Tier } from "../store/port-artifacts.js";
import { tierMoves } from "./repo.js";

const DAY = 86_400_000;
const v = (name: string, version: number, createdAtMs: number, tier: Tier = "hot"): Artifact => ({
  id: `${name}-${version}`,
  project: "p",
  name,
  version,
  kind: "other",
  sha256: "c".repeat(64),
  sizeBytes: 1,
  tier,
  metadata: {},
  parents: [],
  createdBy: "x",
  createdAtMs,
});

describe("the tiering policy", () => {
  it("keeps the newest versions of each name hot, moves older ones warm and old ones cold, never up", () => {
    const now = 100 * DAY;
    const moves = tierMoves(
      [v("a", 1, 0), v("a", 2, 95 * DAY), v("a", 3, 99 * DAY), v("a", 4, 99 * DAY), v("b", 1, 0, "cold"), v("b", 2, 0, "warm")],
      { hotVersions: 2, coldAfterDays: 30 },
      now,
    );
    expect(moves).toEqual([
      { id: "a-2", from: "hot", to: "warm" },
      { id: "a-1", from: "hot", to: "cold" },
    ]);
  });
});
