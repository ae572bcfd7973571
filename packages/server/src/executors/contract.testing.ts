import { describe, expect, it } from "vitest";
import { JobSpec, type Executor, type ExecutorRun, type Placement } from "@aidc/core";

/**
 * The contract every executor must pass (local, sim, slurm). `make` returns a fresh executor;
 * `makeAgain` (optional) returns a second instance over the same state, to test adoption after
 * a server restart. Skips must be explicit and reasoned by the caller.
 */
export interface ContractTarget {
  readonly name: string;
  make(): Executor;
  makeAgain?(): Executor;
  /** Reads what a run printed, when the executor keeps logs. */
  logs?(executor: Executor, runId: string): string;
}

/**
 * A contract job: a real command, plus labels that script the same behaviour for executors that
 * do not run commands (the sim executor reads aidc.dev/sim-duration-s and aidc.dev/sim-exit-code).
 */
const job = (command: string | string[], sim: { durationS: number; exitCode?: number }, extra: Record<string, unknown> = {}) =>
  JobSpec.parse({
    apiVersion: "aidc/v1",
    kind: "Job",
    name: "contract",
    tasks: [{}],
    run: { command },
    labels: { "aidc.dev/sim-duration-s": String(sim.durationS), "aidc.dev/sim-exit-code": String(sim.exitCode ?? 0) },
    ...extra,
  });

const one: Placement = { tasks: [{ task: "main", replica: 0, node: "n1", gpuIndices: [0, 1] }] };

async function until(ex: Executor, runId: string, done: (r: ExecutorRun) => boolean, timeoutMs = 20_000): Promise<ExecutorRun> {
  const start = Date.now();
  for (;;) {
    const [r] = await ex.status([runId]);
    if (r !== undefined && done(r)) return r;
    if (Date.now() - start > timeoutMs) throw new Error(`run ${runId} still ${r?.state ?? "unknown"} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
const finished = (r: ExecutorRun): boolean => r.state !== "running";

export function executorContract(target: ContractTarget): void {
  describe(`executor contract: ${target.name}`, () => {
    it("runs a command to success and keeps its output", async () => {
      const ex = target.make();
      const twoGpus = { tasks: [{ resources: { gpus: 2 } }] };
      const run = await ex.start(
        "j-ok",
        job(["sh", "-c", "echo hello from $AIDC_JOB_ID on GPUs $CUDA_VISIBLE_DEVICES"], { durationS: 0.1 }, twoGpus),
        one,
      );
      expect(run.state).toBe("running");
      const end = await until(ex, run.runId, finished);
      expect(end).toMatchObject({ state: "succeeded", exitCode: 0 });
      // two devices, whoever picks them (the placement for local, Slurm's gres for slurm)
      if (target.logs) expect(target.logs(ex, run.runId)).toMatch(/hello from j-ok on GPUs \d+,\d+\n/);
    });

    it("reports a failing command with its exit code", async () => {
      const ex = target.make();
      const run = await ex.start("j-fail", job("echo oops; exit 3", { durationS: 0.1, exitCode: 3 }), one);
      expect(await until(ex, run.runId, finished)).toMatchObject({ state: "failed", exitCode: 3 });
    });

    it("cancel stops the whole process group", async () => {
      const ex = target.make();
      const run = await ex.start("j-cancel", job("sleep 30 & sleep 30; wait", { durationS: 30 }), one);
      await new Promise((r) => setTimeout(r, 200));
      await ex.cancel(run.runId);
      expect(await until(ex, run.runId, finished)).toMatchObject({ state: "cancelled" });
    });

    it("kills a run that exceeds maxRuntimeS", async () => {
      const ex = target.make();
      const run = await ex.start("j-slow", job("sleep 30", { durationS: 30 }, { maxRuntimeS: 0.5 }), one);
      const end = await until(ex, run.runId, finished);
      expect(end.state).toBe("failed");
      expect(end.message).toMatch(/maxRuntimeS/);
    });

    it("fails a gang as soon as one replica fails, stopping the others", async () => {
      const ex = target.make();
      const gang: Placement = {
        tasks: [
          { task: "w", replica: 0, node: "n1", gpuIndices: [0] },
          { task: "w", replica: 1, node: "n2", gpuIndices: [0] },
        ],
      };
      const spec = job(
        'if [ "$AIDC_REPLICA" = 1 ]; then exit 7; fi; sleep 30',
        { durationS: 0.1, exitCode: 7 },
        { tasks: [{ name: "w", replicas: 2 }] },
      );
      const run = await ex.start("j-gang", spec, gang);
      expect(await until(ex, run.runId, finished)).toMatchObject({ state: "failed", exitCode: 7 });
    });

    it("a second executor instance adopts runs it did not start", async () => {
      if (!target.makeAgain) return expect(target.makeAgain).toBeUndefined();
      const ex = target.make();
      const run = await ex.start("j-adopt", job("sleep 0.3; exit 0", { durationS: 0.3 }), one);
      const again = target.makeAgain();
      expect(await until(again, run.runId, finished)).toMatchObject({ state: "succeeded" });
      const [lost] = await again.status(["j-none.0"]);
      expect(lost?.state).toBe("failed");
    });
  });
}
