import { describeJob, type TwinJob } from "./jobs.js";
import type { Decision, SideRun } from "./sim-side.js";

const ORDER: Record<Decision["kind"], number> = { end: 0, fail: 1, preempt: 2, start: 3 };

const byTime = (a: Decision, b: Decision): number =>
  a.tS - b.tS || ORDER[a.kind] - ORDER[b.kind] || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0);

const key = (d: Decision): string => `${d.tS}|${d.kind}|${d.job}|${d.where ?? ""}`;

/** A decision as one line: "+120 s start job-0003 on h100-a-01[0,1]". */
function line(d: Decision, originS: number): string {
  const at = `+${+(d.tS - originS).toFixed(3)} s`;
  return `${at} ${d.kind} ${d.job}${d.where ? ` on ${d.where}` : ""}${d.note ? ` (${d.note})` : ""}`;
}

function history(decisions: readonly Decision[], job: string, originS: number): string {
  const mine = decisions.filter((d) => d.job === job);
  if (mine.length === 0) return "never started";
  const shown = mine.slice(0, 8).map((d) => line(d, originS).replace(` ${job}`, ""));
  return shown.join("; ") + (mine.length > 8 ? `; … ${mine.length - 8} more` : "");
}

/**
 * The first decision on which the live server and the simulator disagree, as a message a person can
 * debug from: the time, the decisions only one side made there, each involved job's request and
 * both sides' histories of it, and the last decisions both agreed on. Undefined when every job got
 * the same starts, placements, preemptions and ends.
 */
export function firstDivergence(label: string, live: SideRun, sim: SideRun, jobs: readonly TwinJob[], originS: number): string | undefined {
  const a = [...live.decisions].sort(byTime);
  const b = [...sim.decisions].sort(byTime);
  let i = 0;
  while (i < a.length && i < b.length && key(a[i] as Decision) === key(b[i] as Decision)) i++;
  if (i === a.length && i === b.length) {
    const neverA = [...live.never].sort().join(", ");
    const neverB = [...sim.never].sort().join(", ");
    return neverA === neverB ? undefined : `${label}: never started: server [${neverA}], simulator [${neverB}]`;
  }
  const t = Math.min(a[i]?.tS ?? Infinity, b[i]?.tS ?? Infinity);
  const atA = a.slice(i).filter((d) => d.tS === t);
  const atB = b.slice(i).filter((d) => d.tS === t);
  const keysA = new Set(atA.map(key));
  const keysB = new Set(atB.map(key));
  const onlyA = atA.filter((d) => !keysB.has(key(d)));
  const onlyB = atB.filter((d) => !keysA.has(key(d)));
  const involved = [...new Set([...onlyA, ...onlyB].map((d) => d.job))].sort();
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const out = [
    `${label}: the server and the simulator first differ at +${+(t - originS).toFixed(3)} s (after ${i} agreed decisions)`,
    `  server only:    ${onlyA.map((d) => line(d, originS)).join("; ") || "nothing"}`,
    `  simulator only: ${onlyB.map((d) => line(d, originS)).join("; ") || "nothing"}`,
  ];
  for (const job of involved.slice(0, 6)) {
    const j = byName.get(job);
    out.push(`  ${j ? describeJob(j) : job}`);
    out.push(`    server:    ${history(a, job, originS)}`);
    out.push(`    simulator: ${history(b, job, originS)}`);
  }
  const agreed = a.slice(Math.max(0, i - 4), i);
  if (agreed.length > 0) out.push(`  last agreed: ${agreed.map((d) => line(d, originS)).join("; ")}`);
  const passA = live.passesS.filter((p) => p <= t).length;
  const passB = sim.passesS.filter((p) => p <= t).length;
  out.push(`  passes up to then: server ${passA}, simulator ${passB}`);
  return out.join("\n");
}
