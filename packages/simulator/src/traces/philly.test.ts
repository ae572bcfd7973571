import { describe, expect, it } from "vitest";
import { parsePhillyTime, readPhilly } from "./philly.js";

const HEAD = "timestamp,duration,num_gpus,gpu_time,cluster";

describe("readPhilly", () => {
  it("reads rows relative to the first kept job and applies the window and VC filter", () => {
    const text = [
      HEAD,
      "2017-10-01 00:00:10,60.0,1,60.0,a",
      "2017-10-01 00:00:05,30.0,8,240.0,b",
      "2017-09-30 23:59:59,5.0,1,5.0,a",
      "2017-10-01 00:01:00,5.0,1,5.0,zz",
      "",
    ].join("\n");
    const r = readPhilly(text, { fromMs: parsePhillyTime("2017-10-01 00:00:00"), queues: new Set(["a", "b"]) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.jobs).toEqual([
      { id: "philly-2", submitS: 5, durationS: 60, gpus: 1, queue: "a" },
      { id: "philly-3", submitS: 0, durationS: 30, gpus: 8, queue: "b" },
    ]);
    expect(r.value.dropped).toBe(2);
  });

  it("accepts an iterable of lines (streaming) and CRLF text", () => {
    const r = readPhilly([HEAD, "2017-10-01 00:00:10,60.0,1,60.0,a"][Symbol.iterator]());
    expect(r.ok && r.value.jobs.length).toBe(1);
    const crlf = readPhilly(`${HEAD}\r\n2017-10-01 00:00:10,60.0,1,60.0,a\r\n`);
    expect(crlf.ok && crlf.value.jobs[0]?.queue).toBe("a");
  });

  it("gives line- and field-precise errors", () => {
    const text = [
      HEAD,
      "2017-10-01 00:00:10,60.0,1,60.0,a",
      "2017-13-01 00:00:10,60.0,1,60.0,a",
      "2017-10-01 00:00:10,abc,1,60.0,a",
      "2017-10-01 00:00:10,6,1.5,9,a",
      "1,2,3",
    ].join("\n");
    const r = readPhilly(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => [i.line, i.path])).toEqual([
      [3, "line 3.timestamp"],
      [4, "line 4.duration"],
      [5, "line 5.num_gpus"],
      [6, "line 6.(row)"],
    ]);
    const h = readPhilly("time,dur\n1,2");
    expect(!h.ok && h.issues[0]?.code).toBe("bad_header");
  });
});
