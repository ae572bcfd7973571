import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-completion-"));
const has = (shell: string): boolean => spawnSync(shell, ["-c", "exit 0"]).status === 0;

async function script(shell: string): Promise<string> {
  const r = await runCli(["completion", shell]);
  expect(r.code).toBe(0);
  const path = join(dir, `aidc.${shell}`);
  writeFileSync(path, r.out);
  return path;
}

/** What bash offers after `aidc <words...>` (the last word is the one being completed). */
function bashComplete(path: string, words: string[]): string[] {
  const quoted = ["aidc", ...words].map((w) => `'${w}'`).join(" ");
  const r = spawnSync(
    "bash",
    ["-c", `source '${path}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}; _aidc; printf '%s\\n' "\${COMPREPLY[@]}"`],
    {
      encoding: "utf8",
    },
  );
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter((l) => l !== "");
}

describe("aidc completion", () => {
  it("bash completes commands, subcommands and options from every module", async (ctx) => {
    if (!has("bash")) ctx.skip("needs bash");
    const path = await script("bash");
    expect(bashComplete(path, ["pl"])).toEqual(["plan"]);
    expect(bashComplete(path, ["plan", "t"])).toEqual(["train"]);
    expect(bashComplete(path, ["sim", ""])).toEqual(expect.arrayContaining(["run", "compare", "policies", "pack"]));
    expect(bashComplete(path, ["config", "set-context", "prod", "--s"])).toEqual(["--server"]);
    expect(bashComplete(path, ["catalog", "show", "--j"])).toEqual(["--json"]);
    // a leaf command completes no words (bash falls back to file names)
    expect(bashComplete(path, ["validate", ""])).toEqual([]);
  });

  it("zsh and fish scripts name every top-level command and parse in their shells when present", async () => {
    for (const shell of ["zsh", "fish"]) {
      const r = await runCli(["completion", shell]);
      expect(r.code).toBe(0);
      for (const name of ["catalog", "plan", "sim", "config", "completion"]) expect(r.out).toContain(`'${name}`);
      if (has(shell)) {
        const path = await script(shell);
        const check = spawnSync(shell, ["-n", path], { encoding: "utf8" });
        expect(check.status, check.stderr).toBe(0);
      }
    }
    expect((await runCli(["completion", "zsh"])).out).toMatch(/^#compdef aidc\n/);
    expect((await runCli(["completion", "fish"])).out).toMatch(/complete -c aidc -n '__aidc_at \\'plan\\'' -f -a 'train'/);
  });

  it("refuses an unknown shell with exit 2", async () => {
    const r = await runCli(["completion", "tcsh"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/shell: use bash, zsh or fish/);
  });
});
