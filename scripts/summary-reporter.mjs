// Vitest reporter that ends the run with the line CI reads: "N passed, N failed, N skipped".
// Files that fail to load and suites whose hooks fail count as failed, so a broken suite can never look green.
// Before that line it lists every skipped test with its reason, taken from (first match wins):
//   - the note of `ctx.skip(note)`,
//   - `meta.skipReason` (test/support/data.ts sets it on describeWithShared / describeUnless suites),
//   - a "(skipped: …)", "(skipped when …)" or "(known …: …)" part of the test's or a parent suite's name,
//   - "todo" for it.todo;
//   - "not run: <suite> failed before it (a hook or the file)" when a parent suite or the file failed;
// otherwise "(no reason given)".
// After the skipped list it lists every failed test with the first line of its error, last so that a CI log cut to
// its tail still names what failed.
// With AIDC_TEST_SUMMARY_JSON=<file> it also writes {"passed","failed","skipped","skips":[{"name","reason"}],
// "failures":[{"name","error"}]} there.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";

const NO_REASON = "(no reason given)";
const NAME_REASON = /\(((?:skipped|known)\b[^()]*(?:\([^()]*\)[^()]*)*)\)/i;

/** The reason a skipped test case was skipped, or NO_REASON. */
export function skipReason(test) {
  const note = test.result().note;
  if (note) return note;
  const meta = test.meta();
  if (typeof meta.skipReason === "string" && meta.skipReason !== "") return meta.skipReason;
  for (let node = test; node && node.type !== "module"; node = node.parent) {
    const m = NAME_REASON.exec(node.name);
    if (m) return m[1].replace(/^skipped:?\s*/i, "");
  }
  if (test.options.mode === "todo") return "todo";
  for (let node = test.parent; node; node = node.type === "module" ? undefined : node.parent) {
    if (node.state() === "failed")
      return `not run: ${node.type === "module" ? "the file" : `"${node.name}"`} failed before it (a hook or the file)`;
  }
  return NO_REASON;
}

export default class SummaryReporter {
  onInit(vitest) {
    this.root = vitest?.config?.root ?? process.cwd();
  }

  onTestRunEnd(testModules, unhandledErrors) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skips = [];
    const failures = [];
    const fail = (name, errors) => {
      failed++;
      const first = errors?.[0];
      const msg = String(first?.message ?? first ?? "")
        .split("\n")[0]
        .slice(0, 300);
      failures.push({ name, error: msg });
    };
    for (const mod of testModules) {
      let tests = 0;
      const file = relative(this.root ?? process.cwd(), mod.moduleId);
      for (const test of mod.children.allTests()) {
        tests++;
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") fail(`${file} > ${test.fullName}`, test.result().errors);
        else {
          skipped++;
          skips.push({ name: `${file} > ${test.fullName}`, reason: skipReason(test) });
        }
      }
      // a suite whose own hook failed (beforeAll/afterAll) leaves its tests skipped or passed: count it as a failure,
      // and a file that failed to load or whose top-level hook failed too
      for (const suite of mod.children.allSuites())
        if (suite.errors().length > 0) fail(`${file} > ${suite.fullName} (a hook)`, suite.errors());
      if (mod.errors().length > 0 || (tests === 0 && mod.state() === "failed")) fail(`${file} (the file)`, mod.errors());
    }
    for (const err of unhandledErrors) fail("(an unhandled error)", [err]);
    const out = [];
    if (skips.length > 0) {
      out.push("", `Skipped tests (${skips.length}):`);
      // a reason the name already carries ("… (skipped: why)") is not repeated
      for (const s of skips) out.push(s.name.includes(s.reason) ? `  ${s.name}` : `  ${s.name}: ${s.reason}`);
    }
    if (failures.length > 0) {
      out.push("", `Failed tests (${failures.length}):`);
      for (const f of failures) out.push(`  ${f.name}: ${f.error}`);
    }
    out.push("", `${passed} passed, ${failed} failed, ${skipped} skipped`);
    process.stdout.write(out.join("\n") + "\n");
    const json = process.env.AIDC_TEST_SUMMARY_JSON;
    if (json) {
      mkdirSync(dirname(json), { recursive: true });
      writeFileSync(json, JSON.stringify({ passed, failed, skipped, skips, failures }) + "\n");
    }
  }
}
