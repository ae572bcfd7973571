import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AidcError } from "@aidc/core";
import type { FederatedRound, FederatedRunSpec } from "./spec.js";

/**
 * A federated run's state, kept as files under `<data-dir>/federated/<id>/` (run.json written atomically, one
 * folder per round holding the site configs given to the jobs and the messages collected from them). Only the
 * leader replica drives runs; the files are the coordinator's own and never reach a job except the inputs copied
 * into that job's work dir.
 */
export interface RunState {
  readonly id: string;
  readonly name: string;
  readonly user: string;
  readonly createdAtMs: number;
  readonly spec: FederatedRunSpec;
  status: "running" | "succeeded" | "failed";
  message?: string;
  /** Round 0 is the join round (row counts, and NB counts unless DP); 1..rounds train. */
  phase: { round: number; jobs: Record<string, string>; dropped?: number[] };
  /** Rows of each site (from the join round; empty under DP, where no join round runs). */
  siteRows: number[];
  joinBytes: number[];
  /** Public keys (base64) of the sites under secure aggregation. */
  publicKeys?: string[];
  history: FederatedRound[];
  model?: { project: string; name: string; version: number; artifactId: string };
}

const ID = /^fr-[0-9a-f]{12}$/;

export class RunFiles {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
  }

  dir(id: string): string {
    if (!ID.test(id)) throw new AidcError("BAD_FEDERATED_RUN", `Invalid federated run id "${id}"`);
    return join(this.root, id);
  }

  roundDir(id: string, round: number): string {
    const d = join(this.dir(id), `round-${round}`);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  save(s: RunState): void {
    const d = this.dir(s.id);
    mkdirSync(d, { recursive: true, mode: 0o700 });
    const tmp = join(d, "run.json.tmp");
    writeFileSync(tmp, JSON.stringify(s), { mode: 0o600 });
    renameSync(tmp, join(d, "run.json"));
  }

  load(id: string): RunState | undefined {
    const f = join(this.dir(id), "run.json");
    return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as RunState) : undefined;
  }

  all(): RunState[] {
    return readdirSync(this.root)
      .filter((n) => ID.test(n))
      .map((n) => this.load(n))
      .filter((s): s is RunState => s !== undefined)
      .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.id < b.id ? -1 : 1));
  }
}
