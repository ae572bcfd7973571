import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AidcError } from "@aidc/core";
import { startServer } from "../main.js";
import { humanLine } from "../log-format.js";
import { slurmPreflight } from "./slurm-preflight.js";
import { SlurmExecutor } from "./slurm.js";
import { JobSpec } from "@aidc/core";

/** A folder of stand-ins for Slurm's client commands (shell scripts), to put alone on PATH. */
function fakeSlurm(scripts: Record<string, string>): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), "aidc-fake-slurm-"));
  for (const [name, body] of Object.entries(scripts)) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return { PATH: dir };
}

const version = 'echo "slurm 23.11.4"';
const clients = { sbatch: version, squeue: version, sacct: version, scancel: version };
const up = { ...clients, scontrol: 'echo "Slurmctld(primary) at ctl is UP"' };
// a controller that also describes its nodes (aidc serve reads the cluster from Slurm without --cluster)
const nodeJson = JSON.stringify({
  nodes: [{ name: "gpu1", cpus: 16, real_memory: 65536, gres: "gpu:h100:8", partitions: ["batch"], state: "idle" }],
});
const described = {
  ...clients,
  scontrol: `case "$1 $2" in "show node") echo '${nodeJson}';; "show partition") echo "PartitionName=batch Default=YES State=UP";; *) echo "Slurmctld(primary) at ctl is UP";; esac`,
};

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AidcError);
  expect((err as AidcError).code).toBe("EXECUTOR_UNAVAILABLE");
  return (err as AidcError).message;
}

describe("slurm preflight", () => {
  it("reads the version when the commands are there and the controller answers", async () => {
    const info = await slurmPreflight({ env: fakeSlurm(up) });
    expect(info).toEqual({ version: "23.11.4", controller: "Slurmctld(primary) at ctl is UP" });
  });

  it("says which command is missing", async () => {
    expect(await refusal(slurmPreflight({ env: fakeSlurm({}) }))).toMatch(/sbatch is not on PATH/);
    const { scancel: _gone, ...noScancel } = up;
    expect(await refusal(slurmPreflight({ env: fakeSlurm(noScancel) }))).toMatch(/scancel is not on PATH/);
  });

  it("says the controller is down, or does not answer in time", async () => {
    const down = { ...clients, scontrol: 'echo "Slurmctld(primary) at ctl is DOWN"; exit 1' };
    expect(await refusal(slurmPreflight({ env: fakeSlurm(down) }))).toMatch(
      /slurmctld is not reachable: Slurmctld\(primary\) at ctl is DOWN/,
    );
    const hangs = { ...clients, scontrol: "exec /bin/sleep 5" };
    expect(await refusal(slurmPreflight({ env: fakeSlurm(hangs), timeoutS: 0.3 }))).toMatch(/scontrol ping did not answer within 0.3 s/);
    // without scontrol, squeue is asked
    const squeueFails = {
      ...clients,
      squeue:
        'case "$1" in --version) echo "slurm 23.11.4";; *) echo "slurm_load_jobs error: Unable to contact slurm controller" >&2; exit 1;; esac',
    };
    expect(await refusal(slurmPreflight({ env: fakeSlurm(squeueFails) }))).toMatch(/Unable to contact slurm controller/);
  });

  it("checks the partition exists", async () => {
    const sinfo = 'if [ "$3" = "gpu" ]; then echo gpu; fi';
    expect((await slurmPreflight({ env: fakeSlurm({ ...up, sinfo }), partition: "gpu" })).version).toBe("23.11.4");
    expect(await refusal(slurmPreflight({ env: fakeSlurm({ ...up, sinfo }), partition: "nope" }))).toMatch(
      /partition "nope" does not exist/,
    );
  });
});

describe("aidc serve --executor slurm", () => {
  it("refuses to start without Slurm, before creating anything, and reports the version when it starts", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "aidc-slurm-serve-")), "data");
    const options = { host: "127.0.0.1", port: 0, dataDir, executor: "slurm" as const, logLevel: "silent" as const, metricsIntervalS: 0 };
    expect(await refusal(startServer({ ...options, slurm: { env: fakeSlurm({}) } }))).toMatch(/sbatch is not on PATH/);
    expect(existsSync(dataDir)).toBe(false);
    // Slurm answers but says nothing about its nodes (and no --cluster): refused, with the reason
    expect(await refusal(startServer({ ...options, slurm: { env: fakeSlurm(up) } }))).toMatch(
      /Cannot read Slurm's nodes: scontrol show node --json printed no JSON.*give the cluster with --cluster/,
    );
    const server = await startServer({
      ...options,
      slurm: { env: fakeSlurm(described) },
      local: { jobsDir: mkdtempSync(join(tmpdir(), "aidc-slurm-jobs-")) },
    });
    try {
      expect(server.executor).toEqual({ name: "slurm", version: "23.11.4" });
      // the cluster is Slurm's: its node with its 8 H100s
      const token = readFileSync(server.adminTokenFile, "utf8").trim();
      const nodes = (await (await fetch(`${server.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        nodes: { name: string; gpus: number }[];
      };
      expect(nodes.nodes.map((n) => [n.name, n.gpus])).toEqual([["gpu1", 8]]);
    } finally {
      await server.close();
    }
  });
});

describe("slurm executor failures", () => {
  it("a job that cannot be submitted fails with a cause, not an empty message", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-slurm-cause-"));
    const ex = new SlurmExecutor({ runsDir: join(dataDir, "runs"), jobsDir: mkdtempSync(join(tmpdir(), "aidc-slurm-cause-jobs-")) });
    const job = JobSpec.parse({ apiVersion: "aidc/v1", kind: "Job", name: "q", tasks: [{}], run: { command: "true" } });
    const path = process.env["PATH"];
    process.env["PATH"] = fakeSlurm({
      sbatch: 'echo "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2; exit 1',
      squeue: "true", // no earlier submission of this run
    })["PATH"];
    try {
      await expect(ex.start("j1", job, { nodes: [] } as never)).rejects.toThrow(
        /failed: sbatch: error: Batch job submission failed: Invalid partition/,
      );
      process.env["PATH"] = fakeSlurm({ squeue: "true" })["PATH"];
      await expect(ex.start("j2", job, { nodes: [] } as never)).rejects.toThrow(/failed: sbatch is not on PATH$/);
    } finally {
      process.env["PATH"] = path;
    }
  });
});

describe("human log lines", () => {
  it("turns pino's JSON into level: message, and drops the listening line the CLI prints itself", () => {
    expect(humanLine('{"level":40,"time":1,"msg":"job isolation is \\"none\\""}')).toBe('warn: job isolation is "none"');
    expect(humanLine('{"level":50,"msg":"request failed","err":{"message":"boom"}}')).toBe("error: request failed: boom");
    expect(humanLine('{"level":30,"msg":"Server listening at http://127.0.0.1:8080"}')).toBeUndefined();
  });
});
