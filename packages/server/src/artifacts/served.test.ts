import { describe, expect, it } from "vitest";
import type { Artifact, ProjectFacts, ServedBinding } from "../store/port-artifacts.js";
import { promoteCheck } from "./served.js";

const artifact = (project: string): Artifact => ({
  id: `a-${project}`,
  project,
  name: "m",
  version: 1,
  kind: "model",
  sha256: "c".repeat(64),
  sizeBytes: 1,
  tier: "hot",
  metadata: {},
  parents: [],
  createdBy: "x",
  createdAtMs: 0,
});
const facts = (project: string, memberRole?: ProjectFacts["memberRole"]): ProjectFacts => ({
  project,
  user: "ann",
  exists: true,
  memberRole,
  nameIsUser: false,
});
const bound = (project: string): ServedBinding => ({ name: "sent", project, artifactId: "a-0", promotedBy: "x", promotedAtMs: 0 });
const ann = { user: "ann", role: "user" } as const;

describe("who may promote a served name", () => {
  it("a free name: a publisher of the artifact's project claims it; a reader may not", () => {
    expect(() =>
      promoteCheck(ann, "sent", artifact("nlp"), false)({ before: undefined, project: facts("nlp", "publisher") }),
    ).not.toThrow();
    expect(() => promoteCheck(ann, "sent", artifact("nlp"), false)({ before: undefined, project: facts("nlp", "reader") })).toThrow(
      /needs the publisher role/,
    );
  });

  it("a bound name stays with its project: another project's version is refused even for its publisher", () => {
    const check = promoteCheck(ann, "sent", artifact("cv"), false);
    expect(() => check({ before: bound("nlp"), project: facts("nlp", "owner") })).toThrow(/served for project "nlp"/);
    expect(() => check({ before: bound("nlp"), project: facts("nlp") })).toThrow(/needs the publisher role/);
    expect(() =>
      promoteCheck(ann, "sent", artifact("nlp"), false)({ before: bound("nlp"), project: facts("nlp", "publisher") }),
    ).not.toThrow();
  });

  it("an operator's folder package under a free name is replaced only by an operator", () => {
    expect(() => promoteCheck(ann, "sent", artifact("nlp"), true)({ before: undefined, project: facts("nlp", "owner") })).toThrow(
      /only an operator/,
    );
    const ops = { user: "ops", role: "operator" } as const;
    expect(() =>
      promoteCheck(ops, "sent", artifact("nlp"), true)({ before: undefined, project: { ...facts("nlp"), user: "ops" } }),
    ).not.toThrow();
  });
});
