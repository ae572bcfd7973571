import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JobSpec } from "@aidc/core";
import {
  COUNT_FRAC_BITS,
  FEDERATED_DEFAULTS,
  FastModel,
  UPDATE_FRAC_BITS,
  aggregate,
  applyUpdate,
  binaryMetrics,
  decodeGlobal,
  encodeGlobal,
  hashingOf,
  initialModel,
  rdpEpsilon,
  readLabeled,
  saveFastPackage,
  toFastParams,
  type FederatedHyper,
  type LabeledData,
  type SiteReport,
} from "@aidc/workloads";
import { registerModel } from "../workloads/run.js";
import type { FederatedServiceOptions } from "./service.js";
import { SITE_WORKLOAD } from "./site-job.js";
import type { FederatedRunSpec } from "./spec.js";
import type { RunFiles, RunState } from "./state.js";

/**
 * Closing a round of a federated run: read the messages the site jobs handed back, aggregate them (a secure round
 * only as a sum), apply the averaged update, score the new global model on the public evaluation set, record the
 * round (run state and a `federated.round` event) and, after the last round, publish the model.
 */
export interface RoundContext {
  readonly files: RunFiles;
  readonly o: FederatedServiceOptions;
  readonly evalCache: Map<string, LabeledData>;
}

/** The library's hyper-parameters for a run: no NB scaling (no counts round) under DP. */
export function hyperOf(spec: FederatedRunSpec): FederatedHyper {
  return { ...FEDERATED_DEFAULTS, ...spec.hyper, nbScaling: spec.dp === undefined, ...(spec.dp ? { minDf: 0 } : {}) };
}

/** Aggregates a round that every chosen site answered, moves the run to the next round (or publishes it). */
export async function closeRound(c: RoundContext, s: RunState, sites: number[]): Promise<void> {
  const round = s.phase.round;
  const rd = c.files.roundDir(s.id, round);
  const dir = c.files.dir(s.id);
  const hyper = hyperOf(s.spec);
  const dim = 2 ** hyper.bits;
  const reports = sites.map((k) => JSON.parse(readFileSync(join(rd, `site-${k}.report.json`), "utf8")) as SiteReport);
  const messages = sites.map((k) => new Uint8Array(readFileSync(join(rd, `site-${k}.bin`))));
  const secure = s.spec.secureAggregation;
  if (round === 0) {
    s.siteRows = s.spec.sites.map((_, k) => reports[sites.indexOf(k)]?.rows ?? 0);
    s.joinBytes = s.spec.sites.map((_, k) => messages[sites.indexOf(k)]?.length ?? 0);
    const counts = hyper.nbScaling
      ? aggregate(messages, { round: 0, dim: 2 * dim + 2, sites, secure, fracBits: COUNT_FRAC_BITS })
      : undefined;
    writeFileSync(join(dir, "global.bin"), encodeGlobal(initialModel(hyper, counts)));
  } else {
    const q = s.spec.siteRate;
    const k = s.spec.sites.length;
    const centralNoiseStd = s.spec.dp && (!secure || sites.length === 0) ? (s.spec.dp.noiseMultiplier * s.spec.dp.clip) / (q * k) : 0;
    const avg =
      sites.length === 0
        ? new Float64Array(dim + 1)
        : aggregate(messages, { round, dim: dim + 1, sites, secure, fracBits: UPDATE_FRAC_BITS, centralNoiseStd });
    const dropped = s.phase.dropped ?? [];
    if (dropped.length > 0 && !s.spec.dp) {
      // the survivors' weights were shares of the whole round: renormalise them (DP keeps its fixed denominator)
      const kept = sites.reduce(
        (a, k) => a + ((JSON.parse(readFileSync(join(rd, `site-${k}.config.json`), "utf8")) as { weight?: number }).weight ?? 0),
        0,
      );
      if (kept > 0) for (let i = 0; i < avg.length; i++) avg[i] = avg[i]! / kept;
    }
    const model = applyUpdate(decodeGlobal(new Uint8Array(readFileSync(join(dir, "global.bin")))), avg, hyper.serverLearningRate);
    writeFileSync(join(dir, "global.bin.tmp"), encodeGlobal(model));
    renameSync(join(dir, "global.bin.tmp"), join(dir, "global.bin")); // a crash leaves the old or the new model
    const rows = reports.reduce((a, r) => a + r.rows, 0);
    const test = await evalData(c, s);
    const entry = {
      round,
      participants: sites,
      ...(dropped.length > 0 ? { dropped } : {}),
      jobs: sites.map((x) => s.phase.jobs[String(x)] ?? ""),
      bytesSent: s.spec.sites.map((_, x) => messages[sites.indexOf(x)]?.length ?? 0),
      ...(rows > 0 ? { trainLoss: reports.reduce((a, r) => a + (r.loss ?? 0) * r.rows, 0) / rows } : {}),
      ...(rows > 0 ? { trainAccuracy: reports.reduce((a, r) => a + (r.accuracy ?? 0) * r.rows, 0) / rows } : {}),
      ...(test
        ? {
            testAccuracy: binaryMetrics(test.labels, new FastModel(toFastParams(model, hashingOf(hyper))).predictSync(test.texts)).accuracy,
          }
        : {}),
      ...(s.spec.dp
        ? {
            epsilon: rdpEpsilon({ samplingRate: q, noiseMultiplier: s.spec.dp.noiseMultiplier, steps: round, delta: s.spec.dp.delta })
              .epsilon,
          }
        : {}),
      finishedAtMs: c.o.now(),
    };
    s.history.push(entry);
    await c.o.store.events.insert(c.o.now(), "federated.round", `federated/${s.id}`, { ...entry });
  }
  s.phase = { round: round + 1, jobs: {} };
  if (round + 1 > s.spec.rounds) await publish(c, s, hyper);
  c.files.save(s);
}

async function evalData(c: RoundContext, s: RunState): Promise<LabeledData | undefined> {
  if (s.spec.evalDataset === undefined) return undefined;
  let d = c.evalCache.get(s.id);
  if (!d) {
    d = await readLabeled(join(c.files.dir(s.id), "eval.jsonl"), { limit: s.spec.evalLimit });
    c.evalCache.set(s.id, d);
  }
  return d;
}

/** The last global model becomes a fast model package, published as the next version of `spec.name`. */
async function publish(c: RoundContext, s: RunState, hyper: FederatedHyper): Promise<void> {
  const dir = c.files.dir(s.id);
  const model = new FastModel(toFastParams(decodeGlobal(new Uint8Array(readFileSync(join(dir, "global.bin")))), hashingOf(hyper)));
  const last = s.history.at(-1);
  saveFastPackage(join(dir, "model"), model, {
    preset: "fast",
    hyper: {
      ...hyper,
      federated: {
        run: s.id,
        sites: s.spec.sites.length,
        rounds: s.spec.rounds,
        secureAggregation: s.spec.secureAggregation,
        ...(s.spec.dp ? { dp: { ...s.spec.dp, epsilon: last?.epsilon } } : {}),
      },
    },
    training: {
      dataFile: `federated:${s.id}`,
      dataSha256: "",
      rows: s.siteRows.reduce((a, b) => a + b, 0),
      durationS: (c.o.now() - s.createdAtMs) / 1000,
    },
    metrics: {},
  });
  const lineage = last?.jobs[0] ?? Object.values(s.phase.jobs)[0] ?? "";
  const spec = JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: s.name,
    tasks: [{}],
    run: { workload: SITE_WORKLOAD, args: { name: s.name, ...(s.spec.project ? { project: s.spec.project } : {}) } },
  });
  const made = await registerModel(
    { store: c.o.store, blobs: c.o.blobs(), modelsDir: c.o.modelsDir, now: c.o.now },
    { id: lineage, user: s.user, spec },
    dir,
  );
  if (made) s.model = { project: made.project, name: made.name, version: made.version, artifactId: made.artifactId };
  s.status = "succeeded";
  await c.o.store.events.insert(c.o.now(), "federated.finished", `federated/${s.id}`, { ...(s.model ?? {}) });
}
