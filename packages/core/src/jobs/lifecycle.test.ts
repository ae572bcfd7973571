import { describe, expect, it } from "vitest";
import { IllegalTransitionError } from "../errors.js";
import { JOB_EVENTS, JOB_STATES, canTransition, isTerminal, transition, type JobEvent, type JobState } from "./lifecycle.js";

const legal: [JobState, JobEvent, JobState][] = [
  ["pending", "admit", "admitted"],
  ["pending", "cancel", "cancelled"],
  ["admitted", "start", "running"],
  ["admitted", "release", "pending"],
  ["admitted", "fail", "failed"],
  ["admitted", "cancel", "cancelled"],
  ["admitted", "preempt", "preempted"],
  ["running", "succeed", "succeeded"],
  ["running", "fail", "failed"],
  ["running", "cancel", "cancelled"],
  ["running", "preempt", "preempted"],
  ["preempted", "requeue", "pending"],
  ["preempted", "cancel", "cancelled"],
  ["failed", "retry", "pending"],
];

describe("job lifecycle", () => {
  it.each(legal)("%s --%s--> %s", (from, event, to) => {
    expect(transition(from, event)).toBe(to);
  });

  it("rejects every transition not in the legal table", () => {
    let rejected = 0;
    for (const from of JOB_STATES) {
      for (const event of JOB_EVENTS) {
        if (legal.some(([f, e]) => f === from && e === event)) continue;
        expect(canTransition(from, event)).toBe(false);
        expect(() => transition(from, event, 'job "x"')).toThrow(IllegalTransitionError);
        rejected++;
      }
    }
    expect(rejected).toBe(JOB_STATES.length * JOB_EVENTS.length - legal.length);
  });

  it("names the job, the event and the state in the error", () => {
    expect(() => transition("succeeded", "start", 'job "train"')).toThrow('Cannot start job "train": it is succeeded (succeeded is final)');
    expect(() => transition("pending", "succeed", 'job "a"')).toThrow(/allowed from pending: admit, cancel/);
  });

  it("every state is reachable from pending", () => {
    const seen = new Set<JobState>(["pending"]);
    const queue: JobState[] = ["pending"];
    while (queue.length > 0) {
      const s = queue.shift() as JobState;
      for (const e of JOB_EVENTS) {
        if (!canTransition(s, e)) continue;
        const t = transition(s, e);
        if (!seen.has(t)) {
          seen.add(t);
          queue.push(t);
        }
      }
    }
    expect([...seen].sort()).toEqual([...JOB_STATES].sort());
  });

  it("failed is terminal only when no retries are left", () => {
    expect(isTerminal("failed", 0)).toBe(true);
    expect(isTerminal("failed", 2)).toBe(false);
    expect(isTerminal("succeeded")).toBe(true);
    expect(isTerminal("running")).toBe(false);
  });
});
