#!/usr/bin/env node
// The data-heavy test pass: runs vitest on exactly the test files that use the full-size data through
// test/support/data.ts (describeWithShared, sharedData or sharedPath), with AIDC_REQUIRE_SHARED=1 so that a
// missing ../shared/data (or $AIDC_SHARED_DATA) file fails the run instead of skipping.
// Assumes the build is done (`npm run build`). Exit code: vitest's (non-zero on any failure).
// Usage: node scripts/test-data.mjs [--list] [extra vitest arguments]
//   --list   print the selected test files and exit
// The summary reporter of vitest.config.ts ends the output with "N passed, N failed, N skipped"; set
// AIDC_TEST_SUMMARY_JSON=<file> to also get the counts as JSON.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const USES_SHARED = /\b(describeWithShared|sharedData|sharedPath)\b/;

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "dist") return [];
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.ts") ? [path] : [];
  });
}

const candidates = [
  ...readdirSync(join(root, "packages")).flatMap((p) => {
    const src = join(root, "packages", p, "src");
    try {
      return statSync(src).isDirectory() ? testFiles(src) : [];
    } catch {
      return [];
    }
  }),
  ...testFiles(join(root, "test")),
];
const selected = candidates
  .filter((f) => {
    const text = readFileSync(f, "utf8");
    return text.includes("support/data.js") && USES_SHARED.test(text);
  })
  .map((f) => relative(root, f))
  .sort();

const args = process.argv.slice(2);
if (args.includes("--list")) {
  process.stdout.write(selected.join("\n") + "\n");
  process.exit(0);
}
if (selected.length === 0) {
  process.stderr.write("test-data: no test file uses describeWithShared/sharedData/sharedPath\n");
  process.exit(1);
}
process.stdout.write(`test-data: ${selected.length} files, AIDC_REQUIRE_SHARED=1\n`);
const r = spawnSync(join(root, "node_modules", ".bin", "vitest"), ["run", ...args, ...selected], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, AIDC_REQUIRE_SHARED: "1" },
});
if (r.error) {
  process.stderr.write(`test-data: cannot run vitest: ${r.error.message}\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
