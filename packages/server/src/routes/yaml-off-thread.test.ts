import { afterAll, describe, expect, it } from "vitest";
import { defaultCatalog } from "@aidc/core";
import { INLINE_CHARS, OffThreadValidator } from "./yaml-off-thread.js";

const catalog = defaultCatalog();
const validator = new OffThreadValidator();
afterAll(async () => {
  await validator.close();
});

/** A valid job of about `kib` KiB: its labels pad it. */
function bigJob(kib: number, extra = ""): string {
  const labels = Array.from({ length: Math.ceil((kib * 1024) / 24) }, (_, i) => `  label-number-${i}: v`).join("\n");
  return `apiVersion: aidc/v1\nkind: Job\nname: big\ntasks: [{ replicas: 2 }]\nrun: { command: "true" }\n${extra}labels:\n${labels}\n`;
}

describe("YAML validated off the event loop", () => {
  it("parses a large document on the worker while timers keep running", async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    const r = await validator.validate(bigJob(200), catalog, { maxBytes: 256 * 1024 });
    expect(r.issues).toEqual([]);
    expect(r.document?.kind).toBe("Job");
    expect(r.document?.kind === "Job" && r.document.value.tasks[0]?.replicas).toBe(2);
    // the event loop ran the timer while the worker parsed (an inline parse would have held it)
    expect(fired).toBe(true);
  });

  it("reports issues with their lines from the worker, and the limits apply there", async () => {
    const text = bigJob(40, "colour: blue\n");
    expect(text.length).toBeGreaterThan(INLINE_CHARS);
    const r = await validator.validate(text, catalog, {});
    expect(r.issues).toEqual([{ code: "unknown_field", path: "colour", message: "unknown field", line: 6 }]);
    const levels = "abcdefghi".split("").map((c, k) =>
      k === 0
        ? `a: &a [${Array(9).fill('"lol"').join(",")}]`
        : `${c}: &${c} [${Array(9)
            .fill(`*${"abcdefghi"[k - 1]}`)
            .join(",")}]`,
    );
    const lol = bigJob(20, `${levels.join("\n")}\n`);
    expect((await validator.validate(lol, catalog, {})).issues[0]?.code).toBe("too_many_aliases");
    expect((await validator.validate(bigJob(40), catalog, { maxBytes: 20_000 })).issues[0]?.code).toBe("too_large");
  });

  it("a parse over the time limit becomes an issue, and the next document gets a new worker", async () => {
    const impatient = new OffThreadValidator(1);
    try {
      const r = await impatient.validate(bigJob(200), catalog, {});
      expect(r.issues[0]).toMatchObject({ code: "too_expensive", message: "cannot be parsed: parsing took longer than 0.001 s" });
    } finally {
      await impatient.close();
    }
    const r = await validator.validate(bigJob(30), catalog, {});
    expect(r.document?.kind).toBe("Job");
  });
});
