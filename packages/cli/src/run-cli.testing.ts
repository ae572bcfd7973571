import { main } from "./main.js";
import type { Io } from "./output.js";

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Run the CLI in-process with captured, non-TTY output (for tests). */
export async function runCli(argv: readonly string[]): Promise<CliResult> {
  let out = "";
  let err = "";
  const io: Io = { out: (t) => (out += t), err: (t) => (err += t), tty: false };
  const code = await main(argv, io);
  return { code, out, err };
}
