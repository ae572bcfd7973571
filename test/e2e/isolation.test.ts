import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type RunningServer } from "@aidc/server";

/** Root and a working bubblewrap: the isolation these attacks are meant to meet (CI installs bubblewrap and runs as root). */
function isolationAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return "the tests run as a non-root user, so jobs cannot be given another OS user";
  try {
    execFileSync("bwrap", ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", "--", "true"], { stdio: "ignore" });
  } catch {
    return "bubblewrap (bwrap) is missing or cannot create namespaces here";
  }
  return undefined;
}
const skipReason = isolationAvailable();
if (skipReason !== undefined && process.env["CI"]) throw new Error(`CI must run the isolation attack tests: ${skipReason}`);

const SECRET = `server-secret-${process.pid}-${Date.now()}`;

describe.skipIf(skipReason !== undefined)(
  `attack jobs against the local executor's isolation${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let server: RunningServer;
    let dataDir: string;
    let jobsDir: string;
    let admin: string;
    const tokens: Record<string, string> = {};

    const call = async (
      token: string,
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const submit = async (user: string, name: string, command: string, extra: Record<string, unknown> = {}): Promise<string> => {
      const r = await call(tokens[user] ?? "", "POST", "/api/v1/jobs", {
        apiVersion: "aidc/v1",
        kind: "Job",
        name,
        tasks: [{ resources: { cpus: 0.01, memoryGiB: 0.01 } }],
        run: { command },
        maxRuntimeS: 20,
        ...extra,
      });
      expect(r.status).toBe(201);
      return r.body["id"] as string;
    };
    /** Wait for the job's end while probing /healthz: the server must answer throughout. */
    const finish = async (id: string): Promise<{ state: string; message?: string; exitCode?: number; log: string; runId: string }> => {
      for (let i = 0; i < 300; i++) {
        const health = await fetch(`${server.url}/healthz`);
        expect(health.status).toBe(200);
        const job = (await call(admin, "GET", `/api/v1/jobs/${id}`)).body as {
          state: string;
          message?: string;
          exitCode?: number;
          runId: string;
        };
        if (["succeeded", "failed", "cancelled"].includes(job.state)) {
          const res = await fetch(`${server.url}/api/v1/jobs/${id}/logs`, { headers: { authorization: `Bearer ${admin}` } });
          return { ...job, log: await res.text() };
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`job ${id} did not finish`);
    };

    beforeAll(async () => {
      process.env["AIDC_TEST_SERVER_SECRET"] = SECRET; // in the server's environment: no job may see it
      dataDir = mkdtempSync(join(tmpdir(), "aidc-iso-"));
      jobsDir = mkdtempSync(join(tmpdir(), "aidc-iso-jobs-"));
      server = await startServer({
        host: "127.0.0.1",
        port: 0,
        dataDir,
        logLevel: "silent",
        tickMs: 200,
        metricsIntervalS: 0,
        local: {
          jobsDir,
          mapUsers: true,
          killGraceS: 1,
          diskCheckS: 0.5,
          limits: { nproc: 64, fsizeBytes: 32 * 2 ** 20, diskBytes: 8 * 2 ** 20, tmpBytes: 16 * 2 ** 20 },
        },
      });
      admin = readFileSync(server.adminTokenFile, "utf8").trim();
      for (const user of ["alice", "mallory"]) {
        const r = await call(admin, "POST", "/api/v1/tokens", { user, role: "user" });
        tokens[user] = r.body["token"] as string;
      }
      mkdirSync(join(dataDir, "blobs"), { recursive: true });
      writeFileSync(join(dataDir, "blobs", "blob-named-for-the-test"), "blob");
    }, 60_000);

    afterAll(async () => {
      delete process.env["AIDC_TEST_SERVER_SECRET"];
      await server?.close();
    });

    it("runs a job as an unprivileged OS user of its own aidc user, never as the server's", async () => {
      const end = await finish(await submit("mallory", "whoami", "id -un; id -u"));
      expect(end.state).toBe("succeeded");
      const [name, uid] = end.log.trim().split("\n");
      expect(name).toBe("aidc-u-mallory");
      expect(Number(uid)).toBeGreaterThan(0);
    });

    it("cannot read the admin token by relative or absolute path", async () => {
      const token = readFileSync(server.adminTokenFile, "utf8").trim();
      const end = await finish(
        await submit(
          "mallory",
          "steal-token",
          `cat "$AIDC_RUN_DIR/../../admin-token" ../admin-token ../../admin-token ../../../admin-token ${server.adminTokenFile}; ` +
            `find / -name admin-token -readable 2>/dev/null | xargs -r cat; exit 0`,
        ),
      );
      expect(end.log).not.toContain(token);
      expect(end.log).toMatch(/No such file or directory/);
    });

    it("cannot read another job's output or working directory", async () => {
      const secret = `alice-private-${Date.now()}`;
      const alice = await finish(await submit("alice", "private", `echo ${secret}; echo ${secret} > secret.txt`));
      expect(alice.state).toBe("succeeded");
      expect(alice.log).toContain(secret);
      const end = await finish(
        await submit(
          "mallory",
          "snoop",
          `cat ${join(dataDir, "runs", alice.runId)}/*.log; cat ${join(jobsDir, alice.runId, "secret.txt")}; ls -R ${jobsDir} ${join(dataDir, "runs")}; ` +
            `grep -rs ${secret.slice(0, 13)} /tmp /var/tmp /var/lib /home /root 2>/dev/null | head; exit 0`,
        ),
      );
      expect(end.log).not.toContain(secret);
    });

    it("cannot write into the data dir or list the blob store", async () => {
      const end = await finish(
        await submit(
          "mallory",
          "vandal",
          `echo x > ${dataDir}/pwned; touch ${dataDir}/runs/pwned; ls -la ${dataDir}/blobs; ls ${dataDir}; exit 0`,
        ),
      );
      expect(existsSync(join(dataDir, "pwned"))).toBe(false);
      expect(existsSync(join(dataDir, "runs", "pwned"))).toBe(false);
      expect(end.log).not.toContain("blob-named-for-the-test");
      expect(end.log).not.toContain("aidc.db");
    });

    it("cannot read the server's environment", async () => {
      const end = await finish(await submit("mallory", "env", "env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; exit 0"));
      expect(end.state).toBe("succeeded");
      expect(end.log).toContain("AIDC_JOB_ID=");
      expect(end.log).not.toContain(SECRET);
      expect(end.log).not.toContain(admin);
    });

    it("a fork bomb is bounded and killed; the server stays healthy", async () => {
      const end = await finish(await submit("mallory", "bomb", "b() { b | b & }; b; sleep 30", { maxRuntimeS: 4 }));
      expect(end.state).toBe("failed");
      // stopped at its runtime limit, or earlier when the process limit denied its own shell a fork ("Cannot fork": exit 2)
      expect(end.message).toMatch(/maxRuntimeS|exit code [1-9]/);
      // nothing of the bomb is left running as the attacker's OS user
      await new Promise((r) => setTimeout(r, 500));
      let left = "";
      try {
        left = execFileSync("ps", ["-u", "aidc-u-mallory", "-o", "stat=,pid=,args="], { encoding: "utf8" });
      } catch {
        left = ""; // ps exits 1 when it finds no process
      }
      // zombies are dead (an init that does not reap them keeps their entries); nothing may still run
      expect(left.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("Z"))).toEqual([]);
    });

    it("filling the disk fails the job (file size limit, disk watchdog, bounded tmp)", async () => {
      const big = await finish(await submit("mallory", "one-big-file", "dd if=/dev/zero of=big bs=1M count=64"));
      expect(big.state).toBe("failed");
      expect(big.log).toMatch(/File too large|File size limit exceeded/);
      const many = await finish(
        await submit("mallory", "many-files", "for i in $(seq 1 30); do head -c 1048576 /dev/zero > f$i; done; sleep 30"),
      );
      expect(many.state).toBe("failed");
      expect(many.message).toMatch(/MiB of disk in its working directory, more than the limit/);
      const tmp = await finish(await submit("mallory", "fill-tmp", "head -c 33554432 /dev/zero > /tmp/x"));
      expect(tmp.state).toBe("failed");
      expect(tmp.log).toMatch(/No space left on device/);
    });

    it("keeps scheduling after the attacks", async () => {
      const end = await finish(await submit("alice", "after", "echo still here"));
      expect(end).toMatchObject({ state: "succeeded" });
      expect(end.log).toContain("still here");
    });
  },
);
