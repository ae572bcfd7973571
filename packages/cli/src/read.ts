import { readFileSync } from "node:fs";

/**
 * Read a text file the user named. On failure the node error is rethrown unchanged except that it always
 * carries `path` (reading a directory fails in read(), whose EISDIR names no path), so main.ts can print
 * "cannot read <path>: <why>" and exit 2.
 */
export function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if (err !== null && typeof err === "object" && (err as { path?: unknown }).path === undefined) Object.assign(err, { path });
    throw err;
  }
}
