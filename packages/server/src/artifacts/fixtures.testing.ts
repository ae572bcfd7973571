import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { trainSentiment } from "@aidc/workloads";
import { tarFiles } from "../workloads/tar.js";

const GOOD = ["wonderful", "brilliant", "moving", "superb", "loved", "great", "delightful", "beautiful"];
const BAD = ["awful", "boring", "dull", "terrible", "waste", "hated", "worst", "tedious"];

/**
 * A small real model package (the fast preset) trained on made-up reviews in well under a second,
 * so model tests need no downloaded data. `inverted` swaps the labels: the same words then score
 * the other way, which tells two versions of a model apart.
 */
export async function tinyModel(dir: string, o: { inverted?: boolean } = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const rows: string[] = [];
  for (let i = 0; i < 400; i++) {
    const positive = i % 2 === 0;
    const words = positive ? GOOD : BAD;
    const text = `the film was ${words[i % words.length]} and ${words[(i * 3 + 1) % words.length]}, really ${words[(i * 5 + 2) % words.length]}`;
    rows.push(JSON.stringify({ text, label: positive !== (o.inverted === true) ? 1 : 0 }));
  }
  const data = join(dir, "..", `${dir.split("/").pop() ?? "m"}.jsonl`);
  writeFileSync(data, `${rows.join("\n")}\n`);
  await trainSentiment({ preset: "fast", dataPath: data, outDir: dir, hyper: { bits: 14, epochs: 3 } });
  return dir;
}

/** The artifact bytes of a model package folder, as a training job stores them. */
export function packageTar(dir: string): Buffer {
  const files = readdirSync(dir)
    .sort()
    .map((f) => ({ name: f, data: readFileSync(join(dir, f)) }));
  return tarFiles(files, 0);
}
