// `aidc serve` in its own process for a benchmark: started on a free port with a fresh data dir,
// resolved once it prints its URL; returns the child, the URL and the admin token.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** `command` is how to run aidc (e.g. ["bin/aidc"] or [node, "dist/bin.js"]); `serve` flags are added here, then `extraArgs`. */
export async function startServe(command, prefix = "aidc-bench-", extraArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const [file, ...args] = command;
  const child = spawn(file, [...args, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "warn", ...extraArgs], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d.toString();
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`aidc serve exited with ${code}`)));
  });
  const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  return { child, url, token, dataDir };
}
