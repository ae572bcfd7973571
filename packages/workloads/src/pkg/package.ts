import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { AIDC_VERSION, AidcError } from "@aidc/core";
import { KerasTokenizer, type TokenizerJson } from "../data/tokenizer.js";
import { FastModel } from "../fast/model.js";
import type { HashingConfig } from "../fast/ngrams.js";
import type { SentimentModel } from "../model.js";
import type { SeedModel } from "../seed/model.js";
import type { SerializedNetwork } from "../seed/network.js";
import { MANIFEST_FILE, manifestProblems, type FileEntry, type ModelManifest } from "./manifest.js";

export const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

/** A model package is refused: missing, unreadable, tampered with or from an unknown format. */
export class ModelPackageError extends AidcError {
  constructor(dir: string, reason: string) {
    super("MODEL_PACKAGE_INVALID", `Cannot load the model package ${dir}: ${reason}`);
  }
}

export type ManifestDraft = Omit<ModelManifest, "apiVersion" | "kind" | "aidcVersion" | "createdAt" | "files">;

/** Write the package atomically: files go to `<dir>.tmp-<pid>` first, which then replaces `dir`. */
function writePackage(dir: string, draft: ManifestDraft, files: Record<string, Uint8Array | string>): ModelManifest {
  const target = resolve(dir);
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const entries: Record<string, FileEntry> = {};
  for (const [name, data] of Object.entries(files)) {
    writeFileSync(join(tmp, name), data);
    entries[name] = { sha256: sha256(data), bytes: typeof data === "string" ? Buffer.byteLength(data) : data.byteLength };
  }
  const manifest: ModelManifest = {
    apiVersion: "aidc/v1",
    kind: "SentimentModel",
    aidcVersion: AIDC_VERSION,
    createdAt: new Date().toISOString(),
    ...draft,
    files: entries,
  };
  writeFileSync(join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(target, { recursive: true, force: true });
  renameSync(tmp, target);
  return manifest;
}

export function saveFastPackage(dir: string, model: FastModel, draft: ManifestDraft): ModelManifest {
  const vocab = { tokens: "fast-v1", ...model.params.hashing };
  return writePackage(dir, draft, { "vocab.json": JSON.stringify(vocab), "weights.bin": model.encodeWeights() });
}

export async function saveSeedPackage(dir: string, model: SeedModel, draft: ManifestDraft): Promise<ModelManifest> {
  const net = await model.serialize();
  return writePackage(dir, draft, {
    "vocab.json": JSON.stringify(model.tokenizer.toJSON()),
    "topology.json": JSON.stringify({ modelTopology: net.topology, weightSpecs: net.weightSpecs }),
    "weights.bin": net.weightData,
  });
}

/** Read and verify the manifest and every file it names (size and sha256). */
export function readVerified(dir: string): { manifest: ModelManifest; files: Map<string, Buffer> } {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new ModelPackageError(dir, `no ${MANIFEST_FILE} (is it a model directory made by "aidc train"?)`);
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as ModelManifest;
  } catch (cause) {
    throw new ModelPackageError(dir, `${MANIFEST_FILE} is not valid JSON (${(cause as Error).message})`);
  }
  const problems = manifestProblems(manifest);
  if (problems.length > 0) throw new ModelPackageError(dir, `${MANIFEST_FILE}: ${problems.join("; ")}`);
  const files = new Map<string, Buffer>();
  for (const [name, entry] of Object.entries(manifest.files)) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new ModelPackageError(dir, `${name} is missing`);
    const data = readFileSync(path);
    if (data.byteLength !== entry.bytes) {
      throw new ModelPackageError(dir, `${name} has ${data.byteLength} bytes, the manifest says ${entry.bytes} (corrupted or truncated)`);
    }
    const actual = sha256(data);
    if (actual !== entry.sha256) {
      throw new ModelPackageError(dir, `${name} is corrupted: sha256 ${actual.slice(0, 12)}… differs from ${entry.sha256.slice(0, 12)}…`);
    }
    files.set(name, data);
  }
  return { manifest, files };
}

export interface LoadedPackage {
  readonly manifest: ModelManifest;
  readonly model: SentimentModel;
}

function need(files: Map<string, Buffer>, dir: string, name: string): Buffer {
  const data = files.get(name);
  if (data === undefined) throw new ModelPackageError(dir, `the manifest lists no ${name}`);
  return data;
}

/** Load a verified model package; every failure is a ModelPackageError naming the package and the reason. */
export async function loadModelPackage(dir: string): Promise<LoadedPackage> {
  const { manifest, files } = readVerified(dir);
  try {
    const vocab = JSON.parse(need(files, dir, "vocab.json").toString("utf8")) as Record<string, unknown>;
    if (manifest.preset === "fast") {
      const hashing: HashingConfig = { kind: "hashed-ngrams", bits: Number(vocab["bits"]), maxN: Number(vocab["maxN"]) };
      if (vocab["kind"] !== "hashed-ngrams" || !(hashing.bits >= 1 && hashing.bits <= 28) || !(hashing.maxN >= 1)) {
        throw new ModelPackageError(dir, "vocab.json is not a hashed-ngrams configuration");
      }
      return { manifest, model: FastModel.decode(hashing, need(files, dir, "weights.bin")) };
    }
    if (vocab["kind"] !== "keras-words") throw new ModelPackageError(dir, "vocab.json is not a keras-words vocabulary");
    const topo = JSON.parse(need(files, dir, "topology.json").toString("utf8")) as {
      modelTopology: unknown;
      weightSpecs: SerializedNetwork["weightSpecs"];
    };
    const weightData = need(files, dir, "weights.bin");
    // tfjs is loaded only when a seed model is (half a second of start-up the fast preset does not need)
    const { deserializeNetwork } = await import("../seed/network.js");
    const { SeedModel } = await import("../seed/model.js");
    const net = await deserializeNetwork({ topology: topo.modelTopology, weightSpecs: topo.weightSpecs, weightData });
    const maxlen = Number(manifest.hyper["maxlen"]);
    return { manifest, model: new SeedModel(net, KerasTokenizer.fromJSON(vocab as unknown as TokenizerJson), maxlen) };
  } catch (err) {
    if (err instanceof ModelPackageError) throw err;
    throw new ModelPackageError(dir, (err as Error).message);
  }
}
