import { chmodSync, mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { InvalidInputError } from "@aidc/core";

/**
 * Make the data dir aidc's own (mode 700): it holds the store, the admin token, blobs and runs, and jobs
 * run as other OS users. A shared folder (sticky bit, such as /tmp) or a filesystem root is refused
 * rather than locked, since making it private would break everything else that uses it.
 */
export function privateDataDir(dataDir: string): string {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (dir === "/" || (st.mode & 0o1000) !== 0) {
    throw new InvalidInputError("Invalid --data-dir", [
      {
        code: "shared_directory",
        path: "--data-dir",
        message: `${dir} is a shared directory; give aidc a folder of its own (e.g. ${dir === "/" ? "" : dir}/aidc)`,
      },
    ]);
  }
  if (st.uid === process.getuid?.()) chmodSync(dir, 0o700);
  return dir;
}
