import { AidcError } from "@aidc/core";

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * Read a flat ustar archive (what workloads/tar.ts writes: regular files, no directories).
 * Anything else — links, paths with folders, names like `..` — is refused, so unpacking can
 * never write outside the target folder.
 */
export function untarFiles(buf: Buffer): { name: string; data: Buffer }[] {
  const files: { name: string; data: Buffer }[] = [];
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(h.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    const type = String.fromCharCode(h[156] ?? 0);
    if ((type !== "0" && type !== "\0") || !FILE_NAME.test(name) || !Number.isSafeInteger(size) || size < 0) {
      throw new AidcError("BAD_PACKAGE", `The model archive has an entry that is not a plain file name ("${name.slice(0, 40)}")`);
    }
    const start = off + 512;
    if (start + size > buf.length) throw new AidcError("BAD_PACKAGE", `The model archive is truncated at "${name}"`);
    files.push({ name, data: Buffer.from(buf.subarray(start, start + size)) });
    off = start + Math.ceil(size / 512) * 512;
  }
  return files;
}
