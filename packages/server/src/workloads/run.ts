import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { AidcError, objectName, type JobSpec } from "@aidc/core";
import { ForbiddenError } from "../auth.js";
import type { BlobStore } from "../artifacts/blobs.js";
import { ProjectRepo, publishAs } from "../artifacts/projects.js";
import { MODEL_PACKAGE_FORMAT, ServedModels } from "../artifacts/served.js";
import type { ArtifactStores } from "../store/port-artifacts.js";
import type { Store } from "../store/port.js";
import type { Principal } from "../store/tokens.js";
import { datasetInput, datasetInputFile, datasetsRead } from "../governance/dataset-input.js";
import { tarFiles } from "./tar.js";
import { recordCommittedBlob } from "../artifacts/record-blob.js";

/** The aidc launcher of this checkout: workload jobs run the same CLI a user would. */
export const AIDC_BIN = new URL("../../../../bin/aidc", import.meta.url).pathname;

/** Where a workload writes its model, relative to the run directory. */
export const MODEL_DIR = "model";

const str = (v: unknown, what: string): string => {
  if (typeof v !== "string" || v === "") throw new AidcError("BAD_WORKLOAD_ARGS", `workload argument "${what}" must be a non-empty string`);
  return v;
};

/**
 * The command that runs a built-in workload (`run.workload`), or undefined for command jobs.
 * Relative data paths are resolved against the server's working directory.
 */
export function workloadCommand(spec: JobSpec, cwd: string = process.cwd()): string[] | undefined {
  if (!("workload" in spec.run)) return undefined;
  const args = spec.run.args;
  switch (spec.run.workload) {
    case "sentiment-train": {
      // a dataset artifact (args.dataset) is copied into the job's work dir before start (governance/dataset-input.ts)
      const input = datasetInput(spec);
      const data = input !== undefined ? datasetInputFile(input) : str(args["data"], "data");
      const preset = typeof args["preset"] === "string" ? args["preset"] : "fast";
      const cmd = [
        AIDC_BIN,
        "train",
        "sentiment",
        "--preset",
        preset,
        "--data",
        input !== undefined || isAbsolute(data) ? data : resolve(cwd, data),
        "--out",
        MODEL_DIR,
      ];
      if (typeof args["limit"] === "number") cmd.push("--limit", String(args["limit"]));
      return cmd;
    }
    case "federated-site": {
      // one site's step of a federated run: its config, the global model (and key) are copied in by the coordinator
      const input = datasetInput(spec);
      const data = input !== undefined ? datasetInputFile(input) : str(args["data"], "data");
      const file = input !== undefined || isAbsolute(data) ? data : resolve(cwd, data);
      return [AIDC_BIN, "federated", "site", "--config", "inputs/federated.json", "--data", file, "--out", "."];
    }
    default:
      throw new AidcError("UNKNOWN_WORKLOAD", `Unknown workload "${spec.run.workload}" (built in: sentiment-train, federated-site)`);
  }
}

/** What became of a workload job's model. */
export interface RegisteredModel {
  readonly artifactId: string;
  readonly project: string;
  readonly name: string;
  readonly version: number;
  /** Whether it became the served model under `name` (only when that name was still free). */
  readonly promoted: boolean;
}

/**
 * After a workload job succeeds: its model package becomes the next version of an artifact in the
 * job's project (`args.project`, default the job's user; the user needs the publisher role there),
 * a tar of the package with the manifest as metadata and the job as lineage. What is served does
 * not change, with one convenience: when no model is served under `name` yet, this first one is
 * promoted for the project (claiming the name). A later job — anyone's — only adds a version;
 * serving it takes an explicit promotion. Throws when the user may not publish into the project.
 */
export async function registerModel(
  o: { store: ArtifactStores & Pick<Store, "governance">; blobs: BlobStore; modelsDir: string; now: () => number },
  job: { id: string; user: string; spec: JobSpec },
  runDir: string,
): Promise<RegisteredModel | undefined> {
  const dir = join(runDir, MODEL_DIR);
  if (!("workload" in job.spec.run) || !existsSync(join(dir, "manifest.json"))) return undefined;
  const args = job.spec.run.args;
  const name = objectName.safeParse(args["name"]).success ? (args["name"] as string) : job.spec.name;
  const project = objectName.safeParse(args["project"]).success ? (args["project"] as string) : job.user;
  const principal: Principal = { user: job.user, role: "user" };
  const projects = new ProjectRepo(o.store);
  await projects.ensurePublishable(principal, project, o.now(), { create: false });
  const files = readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => ({ name: f, data: readFileSync(join(dir, f)) }));
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  const { sha256, sizeBytes } = await o.blobs.putBytes(tarFiles(files, o.now() / 1000));
  // lineage: the dataset the job read, as the audit log recorded it at start (not what the job's files say)
  const parents = await datasetsRead(o.store, job.id);
  // the publish check (and the new project, if any) runs in the add's own transaction
  const artifact = await recordCommittedBlob(o, sha256, () =>
    o.store.artifacts.add(
      {
        project,
        name,
        kind: "model",
        sha256,
        sizeBytes,
        metadata: { format: MODEL_PACKAGE_FORMAT, manifest },
        parents,
        jobId: job.id,
        createdBy: job.user,
      },
      o.now(),
      publishAs(principal),
    ),
  );
  const served = new ServedModels(o.store, o.modelsDir);
  let promoted = false;
  if (await served.isFree(name)) {
    try {
      await served.promote(o.blobs, principal, name, artifact, o.now());
      promoted = true;
    } catch (err) {
      // someone claimed the name meanwhile: the version stays stored, unserved
      if (!(err instanceof ForbiddenError)) throw err;
    }
  }
  return { artifactId: artifact.id, project, name, version: artifact.version, promoted };
}
