import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

const repo = new URL("../../", import.meta.url).pathname;
const aidc = join(repo, "bin/aidc");

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** Resolves when the process exits (listened for from the start: the exit may come before anyone awaits it). */
  readonly exited: Promise<unknown>;
}

/** The real `aidc serve` in its own process (so kill -9 kills the server and nothing else), once it prints its URL. */
export async function serveProcess(dataDir: string, extraArgs: readonly string[] = []): Promise<ServeProcess> {
  const args = ["serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...extraArgs];
  const child = spawn(aidc, args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`aidc serve exited with ${String(code)}`)));
  });
  return { child, url, exited };
}
