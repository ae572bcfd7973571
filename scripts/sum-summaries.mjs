// Combines the JSON summaries the test reporter writes (AIDC_TEST_SUMMARY_JSON) into CI's last line,
// "N passed, N failed, N skipped". A missing or unreadable summary counts as one failure: a pass that
// never reported must not look green.
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const file of process.argv.slice(2)) {
  try {
    const s = JSON.parse(readFileSync(file, "utf8"));
    passed += s.passed;
    failed += s.failed;
    skipped += s.skipped;
    for (const f of s.failures ?? []) failures.push(`  ${f.name}: ${f.error}`);
    process.stdout.write(`${file}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped\n`);
  } catch (err) {
    failed++;
    process.stdout.write(`${file}: no summary (${err instanceof Error ? err.message : String(err)})\n`);
  }
}
// the failures again just above the last line: a log cut to its tail still names them
if (failures.length > 0) process.stdout.write(`Failed tests:\n${failures.join("\n")}\n`);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 ? 1 : 0;
