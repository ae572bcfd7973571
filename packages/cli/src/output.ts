/** Where a command writes: stdout/stderr plus whether a person is looking (TTY). */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly tty: boolean;
  /** stderr is a terminal (progress bars are drawn only then). */
  readonly errTty?: boolean;
  /** The command prints --json: no progress, no decoration on stderr. */
  readonly json?: boolean;
}

// SGR codes (open, close) for what the CLI paints; written here rather than imported so that loading
// output.ts costs nothing at startup (a CommonJS package pulls in node's CJS loader for every command)
const SGR = { bold: [1, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22] } as const;
const sgr = (style: keyof typeof SGR, text: string): string => `\x1b[${SGR[style][0]}m${text}\x1b[${SGR[style][1]}m`;

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: process.stdout.isTTY === true && process.env["NO_COLOR"] === undefined,
  errTty: process.stderr.isTTY === true,
};

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

export type Cell = string | number | undefined;

function show(c: Cell): string {
  if (c === undefined) return "-";
  if (typeof c === "number") return Number.isInteger(c) ? String(c) : String(Number(c.toPrecision(6)));
  return c;
}

/** A table: aligned with a bold header on a TTY, tab-separated when piped (easy to cut/awk). */
export function printTable(io: Io, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const cells = rows.map((r) => r.map(show));
  if (!io.tty) {
    io.out([header, ...cells].map((r) => r.join("\t")).join("\n") + "\n");
    return;
  }
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  io.out(`${sgr("bold", line(header))}\n${cells.map(line).join("\n")}\n`);
}

export function paint(io: Io, color: "red" | "green" | "yellow" | "dim", text: string): string {
  return io.tty ? sgr(color, text) : text;
}
