import { describe, expect, it } from "vitest";
import { tarFiles } from "../workloads/tar.js";
import { untarFiles } from "./untar.js";

describe("untarFiles", () => {
  it("reads back what tarFiles wrote, byte for byte", () => {
    const files = [
      { name: "manifest.json", data: Buffer.from('{"a":1}') },
      { name: "weights.bin", data: Buffer.alloc(1500, 3) },
      { name: "empty", data: Buffer.alloc(0) },
    ];
    expect(untarFiles(tarFiles(files, 0))).toEqual(files);
  });

  it("refuses entries that could write outside the target folder, and truncated archives", () => {
    for (const name of ["../evil", "a/b", ".hidden", "/etc/passwd"]) {
      const tar = tarFiles([{ name: "x", data: Buffer.from("x") }], 0);
      tar.write(name.padEnd(100, "\0"), 0, 100, "utf8");
      expect(() => untarFiles(tar)).toThrow(/not a plain file name/);
    }
    const symlink = tarFiles([{ name: "link", data: Buffer.alloc(0) }], 0);
    symlink[156] = "2".charCodeAt(0);
    expect(() => untarFiles(symlink)).toThrow(/not a plain file name/);
    const whole = tarFiles([{ name: "big", data: Buffer.alloc(2000, 1) }], 0);
    expect(() => untarFiles(whole.subarray(0, 1024))).toThrow(/truncated/);
  });
});
