import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { AidcError, objectName, type JobSpec } from "@aidc/core";
import type { ArtifactRepo } from "../artifacts/repo.js";
import type { BlobStore } from "../artifacts/blobs.js";
import { tarFiles } from "./tar.js";

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
      const data = str(args["data"], "data");
      const preset = typeof args["preset"] === "string" ? args["preset"] : "fast";
      const cmd = [
        AIDC_BIN,
        "train",
        "sentiment",
        "--preset",
        preset,
        "--data",
        isAbsolute(data) ? data : resolve(cwd, data),
        "--out",
        MODEL_DIR,
      ];
      if (typeof args["limit"] === "number") cmd.push("--limit", String(args["limit"]));
      return cmd;
    }
    default:
      throw new AidcError("UNKNOWN_WORKLOAD", `Unknown workload "${spec.run.workload}" (built in: sentiment-train)`);
  }
}

/**
 * After a workload job succeeds: its model package becomes an artifact (a tar of the package, with
 * the manifest as metadata and the job as lineage) and is installed under <data-dir>/models/<name>
 * so `aidc serve` answers predictions for it.
 */
export async function registerModel(
  o: { artifacts: ArtifactRepo; blobs: BlobStore; modelsDir: string; now: () => number },
  job: { id: string; user: string; spec: JobSpec },
  runDir: string,
): Promise<{ artifactId: string; name: string } | undefined> {
  const dir = join(runDir, MODEL_DIR);
  if (!("workload" in job.spec.run) || !existsSync(join(dir, "manifest.json"))) return undefined;
  const argName = job.spec.run.args["name"];
  const name = objectName.safeParse(argName).success ? (argName as string) : job.spec.name;
  const files = readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => ({ name: f, data: readFileSync(join(dir, f)) }));
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  const id = o.blobs.newUpload();
  writeFileSync(o.blobs.uploadPath(id), tarFiles(files, o.now() / 1000));
  const { sha256, sizeBytes } = await o.blobs.commit(id);
  const artifact = o.artifacts.add(
    {
      project: job.user,
      name,
      kind: "model",
      sha256,
      sizeBytes,
      metadata: { format: "aidc-model-package+tar", manifest },
      parents: [],
      jobId: job.id,
      createdBy: job.user,
    },
    o.now(),
  );
  const target = join(o.modelsDir, name);
  rmSync(target, { recursive: true, force: true });
  cpSync(dir, target, { recursive: true });
  return { artifactId: artifact.id, name };
}
