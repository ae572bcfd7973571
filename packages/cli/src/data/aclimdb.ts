import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";

// The IMDB reviews as aidc stores them, built from the canonical archive (aclImdb_v1.tar.gz, a tree of text files
// `aclImdb/<split>/<pos|neg>/<id>_<rating>.txt`): one JSON line {id, rating, label, text} per review, the text byte
// for byte, rows ordered by the sha256 of `id` (so pos and neg are mixed). The maintainers' files were built the same
// way; the sha256 of the result is checked against theirs.

const REVIEW = /^aclImdb\/(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/;

/** Bytes received but not used yet; joined only when enough are there (linear even for large entries). */
class Pending {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  /** The next n bytes (call only when length >= n); copies only the parts it needs to join. */
  take(n: number): Buffer {
    let have = 0;
    let k = 0;
    while (have < n) have += (this.parts[k++] as Buffer).length;
    const joined = k === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts.slice(0, k), have);
    this.parts = have > n ? [joined.subarray(n), ...this.parts.slice(k)] : this.parts.slice(k);
    this.length -= n;
    return joined.subarray(0, n);
  }
}

/** Entries of a gzip'd tar stream: name and content (ustar, with GNU long names and pax paths). */
async function* tarEntries(path: string): AsyncGenerator<{ name: string; data: Buffer }> {
  const buf = new Pending();
  let longName: string | undefined;
  const parsePax = (data: Buffer): string | undefined => /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"))?.[1];
  let pending: { name: string; size: number; type: string } | undefined;
  for await (const chunk of createReadStream(path).pipe(createGunzip())) {
    buf.push(chunk as Buffer);
    for (;;) {
      if (pending === undefined) {
        if (buf.length < 512) break;
        const header = buf.take(512);
        if (header.every((b) => b === 0)) continue;
        const field = (at: number, len: number): string =>
          header
            .subarray(at, at + len)
            .toString("utf8")
            .replace(/\0.*$/s, "");
        const prefix = field(345, 155);
        const name = longName ?? (prefix !== "" ? `${prefix}/${field(0, 100)}` : field(0, 100));
        longName = undefined;
        pending = { name, size: parseInt(field(124, 12).trim() || "0", 8), type: field(156, 1) };
      }
      const padded = Math.ceil(pending.size / 512) * 512;
      if (buf.length < padded) break;
      const data = Buffer.from(buf.take(padded).subarray(0, pending.size));
      const entry = pending;
      pending = undefined;
      if (entry.type === "L") longName = data.toString("utf8").replace(/\0.*$/s, "");
      else if (entry.type === "x") longName = parsePax(data);
      else if (entry.type === "0" || entry.type === "") yield { name: entry.name.replace(/^\.\//, ""), data };
    }
  }
}

export type ImdbSplit = "train" | "test";

/** The JSON Lines text of both splits of the archive at `tarGz` (read once). */
export async function aclImdbSplits(tarGz: string): Promise<Record<ImdbSplit, string>> {
  const rows: Record<ImdbSplit, { key: string; line: string }[]> = { train: [], test: [] };
  for await (const { name, data } of tarEntries(tarGz)) {
    const m = REVIEW.exec(name);
    if (m === null) continue;
    const split = m[1] as ImdbSplit;
    const id = `${split}/${m[2]}/${m[3]}_${m[4]}`;
    const line = JSON.stringify({ id, rating: Number(m[4]), label: m[2] === "pos" ? 1 : 0, text: data.toString("utf8") });
    rows[split].push({ key: createHash("sha256").update(id).digest("hex"), line });
  }
  const jsonl = (list: { key: string; line: string }[]): string =>
    list
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => `${r.line}\n`)
      .join("");
  return { train: jsonl(rows.train), test: jsonl(rows.test) };
}
