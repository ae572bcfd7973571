import { describe, expect, it } from "vitest";
import type { Io } from "./output.js";
import { startProgress } from "./progress.js";

function capture(extra: Partial<Io>): { io: Io; text: () => string } {
  let err = "";
  const io: Io = { out: () => undefined, err: (t) => (err += t), tty: false, ...extra };
  return { io, text: () => err };
}

describe("startProgress", () => {
  it("draws nothing when stderr is not a terminal or --json is in effect", () => {
    for (const extra of [{}, { errTty: false }, { errTty: true, json: true }]) {
      const { io, text } = capture(extra);
      const p = startProgress(io, "upload", 10);
      p.tick(5);
      p.set(10);
      p.done();
      expect(text()).toBe("");
    }
  });

  it("draws a bar with percent and counts, throttled, and ends the line once", () => {
    let t = 0;
    const { io, text } = capture({ errTty: true });
    const p = startProgress(io, "upload", 1000, { now: () => t, intervalMs: 100, width: 10 });
    p.tick(100); // same instant: throttled
    t = 500;
    p.set(500);
    const mid = text().split("\r\x1b[2K").at(-1);
    expect(mid).toBe("upload [#####.....]  50% 500/1,000 eta 1s");
    t = 1000;
    p.set(1000);
    p.done();
    p.done();
    const lines = text().split("\r\x1b[2K");
    expect(lines.length).toBe(5); // "", start, 500, 1000, final
    expect(lines.at(-1)).toBe("upload [##########] 100% 1,000/1,000 (1s)\n");
  });

  it("counts without a total and uses the caller's unit format", () => {
    let t = 0;
    const { io, text } = capture({ errTty: true });
    const p = startProgress(io, "replay", undefined, { now: () => t, format: (n) => `${n} jobs` });
    t = 2000;
    p.tick(42);
    p.done();
    expect(text().split("\r\x1b[2K").at(-1)).toBe("replay 42 jobs (2s)\n");
  });
});
