import { checkJobOnCluster, JobSpec, type Catalog, type ClusterModel } from "@aidc/core";
import { queueQuotas, resolvePolicy, type ResolvedProfile } from "@aidc/scheduler";
import { firstDivergence } from "./compare.js";
import { jobDocument, type TwinJob } from "./jobs.js";
import { runServer } from "./live-side.js";
import { runSimulator, type SideRun } from "./sim-side.js";

/** Virtual time starts here on both sides (seconds since the epoch; the server's clock reads milliseconds). */
export const ORIGIN_S = 1_767_225_600;

/** A policy as `aidc serve --policy` resolves it: the cluster file's queue quotas and cohorts feed its quota plugin. */
export function profileFor(policy: string, model: ClusterModel): ResolvedProfile {
  const r = resolvePolicy(policy, { quotas: queueQuotas(model) });
  if (!r.ok) throw new Error(`policy ${policy}: ${r.issues.map((i) => i.message).join("; ")}`);
  return r.value;
}

export interface Differential {
  readonly server: SideRun;
  readonly simulator: SideRun;
  /** Jobs the server refuses at submission because they can never fit (both sides count them as never started). */
  readonly refused: readonly string[];
  /** The first divergent decision, or undefined when both sides agree on every job. */
  readonly divergence: string | undefined;
}

/**
 * Run the same jobs through the simulator and through the server's real path in virtual time,
 * and compare every job's starts (time and placement), preemptions and ends. Each side resolves
 * its own profile, as a server and a `sim run` would. `serverEveryS` adds the server's periodic passes
 * (it passes every second by default): the simulator passes only on events, so this checks that a pass
 * without an event changes nothing.
 */
export async function differential(
  model: ClusterModel,
  catalog: Catalog,
  policy: string,
  jobs: readonly TwinJob[],
  options: { readonly serverEveryS?: number } = {},
): Promise<Differential> {
  // a job no node set can ever hold is refused at submission (422, like Slurm): neither side queues it
  const refused = jobs.filter((j) => checkJobOnCluster(JobSpec.parse(jobDocument(j)), model, catalog).length > 0).map((j) => j.name);
  const accepted = jobs.filter((j) => !refused.includes(j.name));
  const sim = runSimulator(model, catalog, profileFor(policy, model), accepted, ORIGIN_S);
  const live = await runServer(model, catalog, profileFor(policy, model), accepted, ORIGIN_S, sim.passesS, options.serverEveryS);
  const server = { ...live, never: [...refused, ...live.never] };
  const simulator = { ...sim, never: [...refused, ...sim.never] };
  return { server, simulator, refused, divergence: firstDivergence(policy, server, simulator, accepted, ORIGIN_S) };
}
