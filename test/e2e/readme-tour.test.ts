// The README's tour, run as a new user would: every offline command of its ```sh blocks, top to bottom, from the
// checkout, on the committed data only (no ../shared, no network, no server). Each must exit 0, and the checkout
// must be left as it was (the issue: the tour wrote plan.html into the checkout and Prettier then failed npm test).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/data.js";

/** Commands that need nothing but the checkout: no running server, no network, no GPU, no long benchmark. */
const OFFLINE = new Set([
  "catalog",
  "validate",
  "plan",
  "sim",
  "train",
  "eval",
  "predict",
  "explain",
  "privacy",
  "anomaly",
  "alerts",
  "completion",
  "--version",
  "--help",
]);

/** The sh blocks of a markdown text, continuation lines joined, comments kept (sh drops them). */
function shBlocks(markdown: string): string[][] {
  const blocks: string[][] = [];
  for (const m of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = (m[1] ?? "").replace(/\\\n\s*/g, " ").split("\n");
    blocks.push(lines.map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#")));
  }
  return blocks;
}

/** Keep variable assignments, `mkdir` and the offline `bin/aidc …` commands; the rest needs a server or the network. */
function offlineSteps(block: readonly string[]): string[] {
  return block.filter((line) => {
    if (/^[A-Z_]+=\S+(\s+#.*)?$/.test(line) || line.startsWith("mkdir ")) return true;
    const m = /^bin\/aidc\s+(\S+)(?:\s+(\S+))?/.exec(line);
    if (!m) return false;
    if (line.includes("<")) return false; // a placeholder such as <job-id>
    if (m[1] === "data") return m[2] === "list";
    return OFFLINE.has(m[1] ?? "");
  });
}

function gitStatus(): string {
  const r = spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: repoRoot, encoding: "utf8" });
  return r.stdout;
}

describe("the README tour", () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const blocks = shBlocks(readme).map(offlineSteps);

  it("has offline steps for every part of the product, and none reads ../shared", () => {
    const all = blocks.flat().join("\n");
    for (const cmd of ["catalog", "validate", "plan train", "plan infer", "sim run", "sim compare", "train", "anomaly"])
      expect(all).toContain(`bin/aidc ${cmd}`);
    expect(readme).not.toContain("../shared");
  });

  it("runs top to bottom, every step exits 0, and leaves git status as it was", { timeout: 600_000 }, () => {
    const before = gitStatus();
    const home = mkdtempSync(join(tmpdir(), "aidc-tour-"));
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_CACHE_HOME: join(home, "cache"), XDG_CONFIG_HOME: join(home, "config") };
    delete env["AIDC_URL"];
    delete env["AIDC_TOKEN"];
    const vars: string[] = [];
    for (const block of blocks) {
      for (const step of block) {
        if (/^[A-Z_]+=/.test(step)) {
          vars.push(step.replace(/\s+#.*$/, ""));
          continue;
        }
        const r = spawnSync("sh", ["-ec", [...vars, step].join("\n")], { cwd: repoRoot, env, encoding: "utf8" });
        expect(r.status, `${step}\n${r.stderr.slice(-2000)}`).toBe(0);
      }
    }
    expect(gitStatus()).toBe(before);
  });
});
