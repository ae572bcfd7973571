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
  /** The next n bytes (call only when length >= n). */
  take(n: number): Buffer {
    const all = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.length);
    this.parts = all.length > n ? [all.subarray(n)] : [];
    this.length = all.length - n;
    return all.subarray(0, n);
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

/** The JSON Lines text of one split (`train` or `test`) of the archive at `tarGz`. */
export async function aclImdbJsonl(tarGz: string, split: "train" | "test"): Promise<string> {
  const rows: { key: string; line: string }[] = [];
  for await (const { name, data } of tarEntries(tarGz)) {
    const m = REVIEW.exec(name);
    if (m === null || m[1] !== split) continue;
    const id = `${split}/${m[2]}/${m[3]}_${m[4]}`;
    const line = JSON.stringify({ id, rating: Number(m[4]), label: m[2] === "pos" ? 1 : 0, text: data.toString("utf8") });
    rows.push({ key: createHash("sha256").update(id).digest("hex"), line });
  }
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return rows.map((r) => `${r.line}\n`).join("");
}
