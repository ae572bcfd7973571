import type { Dataset } from "./dataset.js";
import { ML_DATASETS } from "./datasets-ml.js";
import { TRACE_DATASETS } from "./datasets-traces.js";

export type { DataFile, DataUse, Dataset } from "./dataset.js";

/** Every dataset and trace aidc knows: `aidc data list`. */
export const DATASETS: readonly Dataset[] = [...ML_DATASETS, ...TRACE_DATASETS];

/** The dataset called `name` (or one of its aliases), in `registry`. */
export function findDataset(name: string, registry: readonly Dataset[] = DATASETS): Dataset | undefined {
  const n = name.toLowerCase();
  return registry.find((d) => d.name === n || (d.aliases ?? []).includes(n));
}

export function totalBytes(d: Dataset): number {
  return d.files.reduce((sum, f) => sum + f.bytes, 0);
}
