import { chownSync, createWriteStream, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { InvalidInputError, objectName, type JobSpec } from "@aidc/core";
import type { BlobStore } from "../artifacts/blobs.js";
import type { Artifact } from "../artifacts/repo.js";
import type { Store } from "../store/port.js";
import { readDataset } from "./access.js";
import { openBlob } from "./bytes.js";

/**
 * A job's dataset input: a workload argument `dataset: "project/name[:version]"` names a dataset
 * artifact instead of a file path. The job never reads the artifact store (it cannot see the data
 * dir): before the run starts, the server checks that the job's user holds dataset:read in the
 * project, writes the read to the audit log (action dataset.job-read, with the job id; a refusal is
 * recorded too and fails the start), and copies the plaintext bytes into the job's own work dir,
 * owned by the job's OS user. The workload is then given that file as its data.
 */

export interface DatasetRef {
  readonly project: string;
  readonly name: string;
  /** A version number or "latest". */
  readonly version: string;
}

/** Where a job's dataset lands, relative to its work dir (also its cwd). */
export const DATASET_INPUT_DIR = "inputs";

/** `project/name[:version]` → its parts; bad input names the workload argument. */
export function parseDatasetRef(ref: unknown, path = "run.args.dataset"): DatasetRef {
  const bad = (why: string) =>
    new InvalidInputError(`Invalid dataset "${String(ref)}"`, [
      { code: "invalid_value", path, message: `${why}: use project/name[:version]` },
    ]);
  if (typeof ref !== "string") throw bad("must be a string");
  const m = /^([^/:]+)\/([^/:]+)(?::(\d+|latest))?$/.exec(ref);
  if (m === null) throw bad("not a dataset reference");
  const [, project = "", name = "", version = "latest"] = m;
  if (!objectName.safeParse(project).success || !objectName.safeParse(name).success) throw bad("project and name must be plain names");
  return { project, name, version };
}

/** The dataset a workload job names, if any. */
export function datasetInput(spec: JobSpec): DatasetRef | undefined {
  if (!("workload" in spec.run) || spec.run.args["dataset"] === undefined) return undefined;
  return parseDatasetRef(spec.run.args["dataset"]);
}

/** The file (relative to the job's work dir) a dataset input is copied to. */
export function datasetInputFile(ref: DatasetRef): string {
  return join(DATASET_INPUT_DIR, `${ref.project}--${ref.name}`);
}

/**
 * Check, audit and copy a job's dataset input into `jobDir` (owned by `owner` when the job runs as
 * another OS user). Returns what was copied, or undefined when the job names no dataset. Throws (after
 * the denial is on the audit log) when the job's user may not read it: the start fails with that message.
 */
export async function materializeDataset(
  o: { store: Store; blobs: BlobStore; now: () => number },
  run: { jobId: string; spec: JobSpec; user: string; jobDir: string; owner?: { uid: number; gid: number } },
): Promise<{ file: string; artifact: Artifact } | undefined> {
  const ref = datasetInput(run.spec);
  if (ref === undefined) return undefined;
  // a job acts with its user's rights as a plain user (its token's role is not known here)
  const artifact = await readDataset(o.store, { principal: { user: run.user, role: "user" }, ...ref, jobId: run.jobId }, o.now());
  if (artifact.kind !== "dataset") throw new InvalidInputError(`${ref.project}/${ref.name} is a ${artifact.kind}, not a dataset`, []);
  const dir = join(run.jobDir, DATASET_INPUT_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(run.jobDir, datasetInputFile(ref));
  const part = `${file}.part`;
  try {
    await pipeline(await openBlob(o.blobs, artifact.sha256), createWriteStream(part, { mode: 0o600 }));
    if (run.owner !== undefined) {
      chownSync(dir, run.owner.uid, run.owner.gid);
      chownSync(part, run.owner.uid, run.owner.gid);
    }
    renameSync(part, file);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  return { file, artifact };
}

/** The dataset artifacts a job was allowed to read, from the audit log (the trusted record of its inputs). */
export async function datasetsRead(store: Pick<Store, "governance">, jobId: string): Promise<string[]> {
  const rows = await store.governance.audit.list({ jobId, action: "dataset.job-read", outcome: "allowed", limit: 100 });
  const ids = rows.map((e) => e.detail["artifactId"]).filter((id): id is string => typeof id === "string");
  return [...new Set(ids)].sort();
}
