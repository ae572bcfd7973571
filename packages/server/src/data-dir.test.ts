import { chmodSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "@aidc/core";
import { privateDataDir } from "./data-dir.js";
import { LocalExecutor } from "./executors/local.js";

const mode = (p: string): number => statSync(p).mode & 0o7777;

describe("the data dir", () => {
  it("is made private (700), created when missing", () => {
    const parent = mkdtempSync(join(tmpdir(), "aidc-datadir-"));
    const dir = join(parent, "data");
    privateDataDir(dir);
    expect(mode(dir)).toBe(0o700);
    chmodSync(dir, 0o755);
    privateDataDir(dir);
    expect(mode(dir)).toBe(0o700);
  });

  it("refuses a shared folder such as /tmp instead of locking everyone else out of it", () => {
    const shared = mkdtempSync(join(tmpdir(), "aidc-shared-"));
    chmodSync(shared, 0o1777);
    expect(() => privateDataDir(shared)).toThrow(InvalidInputError);
    expect(mode(shared)).toBe(0o1777);
  });

  it("an executor never changes the mode of the folder its runs dir sits in", () => {
    const shared = mkdtempSync(join(tmpdir(), "aidc-shared-"));
    chmodSync(shared, 0o1777);
    new LocalExecutor({ runsDir: join(shared, "runs"), jobsDir: mkdtempSync(join(tmpdir(), "aidc-jobs-")) });
    expect(mode(shared)).toBe(0o1777);
  });
});
