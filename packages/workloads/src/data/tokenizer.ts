/** Keras' default `filters` of `Tokenizer` / `text_to_word_sequence`. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';
const FILTER_SET = new Set(KERAS_FILTERS);

/** Replace the HTML line breaks IMDB reviews carry (`<br />`) with a space. */
export function stripHtmlBreaks(text: string): string {
  return text.replace(/<br\s*\/?>/gi, " ");
}

/** Keras `text_to_word_sequence`: lower-case, every filter character becomes a space, split on spaces. */
export function kerasWords(text: string): string[] {
  const lower = stripHtmlBreaks(text).toLowerCase();
  let out = "";
  for (const ch of lower) out += FILTER_SET.has(ch) ? " " : ch;
  return out.split(" ").filter((w) => w !== "");
}

/** Index layout of keras.datasets.imdb: 0 padding, 1 start of sequence, 2 out-of-vocabulary, words from 3. */
export const PAD = 0;
export const START = 1;
export const OOV = 2;
export const INDEX_FROM = 3;

export interface TokenizerJson {
  readonly kind: "keras-words";
  readonly numWords: number;
  readonly startToken: boolean;
  /** Words ranked by training-set frequency (ties keep first appearance, like Keras); index = rank + INDEX_FROM. */
  readonly words: readonly string[];
}

/** A Keras-compatible word tokenizer keeping the `numWords - INDEX_FROM` most frequent training words. */
export class KerasTokenizer {
  readonly numWords: number;
  readonly startToken: boolean;
  readonly words: readonly string[];
  private readonly index: Map<string, number>;

  private constructor(numWords: number, startToken: boolean, words: readonly string[]) {
    this.numWords = numWords;
    this.startToken = startToken;
    this.words = words;
    this.index = new Map(words.map((w, i) => [w, i + INDEX_FROM]));
  }

  static fit(texts: Iterable<string>, numWords: number, startToken = true): KerasTokenizer {
    const counts = new Map<string, number>();
    for (const t of texts) for (const w of kerasWords(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
    // Array.prototype.sort is stable: equal counts keep their first-appearance order, as Keras' OrderedDict does.
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
    return new KerasTokenizer(numWords, startToken, ranked.slice(0, Math.max(0, numWords - INDEX_FROM)));
  }

  static fromJSON(json: TokenizerJson): KerasTokenizer {
    return new KerasTokenizer(json.numWords, json.startToken, json.words);
  }

  toJSON(): TokenizerJson {
    return { kind: "keras-words", numWords: this.numWords, startToken: this.startToken, words: this.words };
  }

  /** Index of one (already lower-cased, filtered) word; OOV when it is not among the kept words. */
  wordIndex(word: string): number {
    return this.index.get(word) ?? OOV;
  }

  wordsToSequence(words: readonly string[]): number[] {
    const seq = words.map((w) => this.wordIndex(w));
    return this.startToken ? [START, ...seq] : seq;
  }

  textToSequence(text: string): number[] {
    return this.wordsToSequence(kerasWords(text));
  }
}
