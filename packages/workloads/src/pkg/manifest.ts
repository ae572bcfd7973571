import type { BinaryMetrics } from "../eval/metrics.js";
import type { Preset } from "../model.js";
import type { PrivacyRecord } from "../privacy/dpsgd.js";

export const MANIFEST_FILE = "manifest.json";

export interface FileEntry {
  readonly sha256: string;
  readonly bytes: number;
}

/** The manifest of a model package directory: what it is, how it was made, and a checksum per file. */
export interface ModelManifest {
  readonly apiVersion: "aidc/v1";
  readonly kind: "SentimentModel";
  readonly preset: Preset;
  readonly aidcVersion: string;
  readonly createdAt: string;
  readonly hyper: Readonly<Record<string, unknown>>;
  readonly training: {
    readonly dataFile: string;
    readonly dataSha256: string;
    readonly rows: number;
    readonly durationS: number;
    readonly epochs?: number;
    readonly bestEpoch?: number;
  };
  readonly metrics: Readonly<Record<string, BinaryMetrics>>;
  /**
   * Present when the model was trained with differential privacy: the (ε, δ) spent and the mechanism's
   * parameters (σ, C, q, steps), so anyone holding the package can re-check ε with `aidc privacy epsilon`.
   */
  readonly privacy?: PrivacyRecord;
  /** Every other file of the package, with its sha256; loading refuses the package when one differs. */
  readonly files: Readonly<Record<string, FileEntry>>;
}

/** The problems with a parsed manifest (empty when it is usable). */
export function manifestProblems(m: unknown): string[] {
  const problems: string[] = [];
  if (typeof m !== "object" || m === null) return ["is not a JSON object"];
  const o = m as Record<string, unknown>;
  if (o["apiVersion"] !== "aidc/v1") problems.push(`apiVersion is ${JSON.stringify(o["apiVersion"])}, expected "aidc/v1"`);
  if (o["kind"] !== "SentimentModel") problems.push(`kind is ${JSON.stringify(o["kind"])}, expected "SentimentModel"`);
  if (o["preset"] !== "fast" && o["preset"] !== "seed")
    problems.push(`preset is ${JSON.stringify(o["preset"])}, expected "fast" or "seed"`);
  const files = o["files"];
  if (typeof files !== "object" || files === null) problems.push("files is missing");
  else {
    for (const [name, e] of Object.entries(files as Record<string, unknown>)) {
      const entry = e as Partial<FileEntry> | null;
      if (typeof entry?.sha256 !== "string" || typeof entry.bytes !== "number") problems.push(`files.${name} needs sha256 and bytes`);
      if (name.includes("/") || name.includes("\\") || name.startsWith(".")) problems.push(`files.${name} is not a plain file name`);
    }
  }
  if (typeof o["hyper"] !== "object" || o["hyper"] === null) problems.push("hyper is missing");
  if (o["privacy"] !== undefined) problems.push(...privacyProblems(o["privacy"]));
  return problems;
}

const PRIVACY_NUMBERS = ["epsilon", "delta", "noiseMultiplier", "clipNorm", "samplingRate", "steps"] as const;

/** A privacy block must carry the figures that make its claim checkable; a package with a broken one is refused. */
function privacyProblems(p: unknown): string[] {
  if (typeof p !== "object" || p === null) return ["privacy is not an object"];
  const o = p as Record<string, unknown>;
  const out: string[] = [];
  for (const k of PRIVACY_NUMBERS) {
    const v = o[k];
    if (typeof v !== "number" || !(v >= 0)) out.push(`privacy.${k} must be a number ≥ 0`);
  }
  if (o["mechanism"] !== "dp-sgd") out.push(`privacy.mechanism is ${JSON.stringify(o["mechanism"])}, expected "dp-sgd"`);
  return out;
}
