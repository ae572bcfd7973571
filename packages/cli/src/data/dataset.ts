/** One file of a dataset, as aidc stores it in its cache (`<cache>/<dataset>/<path>`). */
export interface DataFile {
  /** Path inside the dataset folder (also the path inside a mirror: `<mirror>/<dataset>/<path>`). */
  readonly path: string;
  /** Size in bytes of the file as stored. */
  readonly bytes: number;
  /** sha256 of the file as stored (the copy the aidc maintainers hold and hashed). */
  readonly sha256: string;
  /** For a `.gz` file: sha256 of its uncompressed content (what a canonical source that serves plain text sends). */
  readonly contentSha256?: string;
  /** The canonical source (pinned to a commit where the source is a repository); absent when there is none per file. */
  readonly url?: string;
  /**
   * How the canonical file becomes the stored one beyond gzip: "nab-labels" keeps only this dataset's series;
   * "aclimdb" builds the split's JSON Lines from the IMDB archive (checked against `contentSha256`).
   */
  readonly transform?: "nab-labels" | "aclimdb";
}

/** What a dataset name stands for where a command expects a file (e.g. `--trace philly`, `--data imdb`). */
export interface DataUse {
  /** File (path inside the dataset) or "." for the dataset folder itself. */
  readonly path: string;
  /** Trace format of `path` for `aidc sim` (philly, openb, pollux, tiresias). */
  readonly traceFormat?: string;
}

export interface Dataset {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly title: string;
  readonly description: string;
  /** Where the data comes from: repositories and commits, papers, home pages. */
  readonly source: string;
  readonly license: string;
  /** Said when the canonical source cannot be fetched file by file (then only --from works). */
  readonly canonicalNote?: string;
  /** The file or folder the bare name stands for. */
  readonly main?: DataUse;
  readonly files: readonly DataFile[];
}

/**
 * Parse a file table: one file per line, `path bytes sha256 contentSha256|- url|- [transform]`.
 * (A table keeps a hundred hashes readable; the formatter leaves template strings alone.)
 */
export function fileTable(text: string): DataFile[] {
  const files: DataFile[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols[0] === undefined || cols[0].startsWith("#")) continue;
    const [path, bytes, sha256, content, url, transform] = cols as [string, string, string, string, string, string?];
    files.push({
      path,
      bytes: Number(bytes),
      sha256,
      ...(content !== "-" ? { contentSha256: content } : {}),
      ...(url !== "-" ? { url } : {}),
      ...(transform === "nab-labels" || transform === "aclimdb" ? { transform } : {}),
    });
  }
  return files;
}
