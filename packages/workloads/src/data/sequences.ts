export type PadSide = "pre" | "post";

export interface PadOptions {
  readonly maxlen: number;
  /** Where zeros go when a sequence is short; Keras' default is "pre". */
  readonly padding?: PadSide;
  /** Which end is cut when a sequence is long; Keras' default "pre" keeps the last `maxlen` tokens. */
  readonly truncating?: PadSide;
  readonly value?: number;
}

/** Keras `pad_sequences` into one row-major Int32Array of `seqs.length × maxlen`. */
export function padSequences(seqs: readonly (readonly number[])[], options: PadOptions): Int32Array {
  const { maxlen } = options;
  const padding = options.padding ?? "pre";
  const truncating = options.truncating ?? "pre";
  const out = new Int32Array(seqs.length * maxlen).fill(options.value ?? 0);
  seqs.forEach((s, row) => {
    const kept = s.length <= maxlen ? s : truncating === "pre" ? s.slice(s.length - maxlen) : s.slice(0, maxlen);
    const offset = row * maxlen + (padding === "pre" ? maxlen - kept.length : 0);
    for (let i = 0; i < kept.length; i++) out[offset + i] = kept[i] ?? 0;
  });
  return out;
}
