import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serveProcess } from "./serve-process.js";

interface Ack {
  key: string;
  id?: string;
}

describe("crash safety", () => {
  it("kill -9 while jobs are submitted and running loses no acknowledged job and duplicates none", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-crash-"));
    let { child, url, exited } = await serveProcess(dataDir);
    const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
    const submit = async (base: string, key: string): Promise<string | undefined> => {
      try {
        const res = await fetch(`${base}/api/v1/jobs`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": key },
          body: JSON.stringify({ apiVersion: "aidc/v1", kind: "Job", name: key, tasks: [{}], run: { command: "sleep 0.3; echo done" } }),
        });
        return res.status === 201 || res.status === 200 ? ((await res.json()) as { id: string }).id : undefined;
      } catch {
        return undefined; // the server died before answering: the client does not know
      }
    };

    // 4 clients submit as fast as they can; the server is killed after the 60th acknowledgement
    const acks: Ack[] = [];
    let acked = 0;
    let killed = false;
    const client = async (c: number): Promise<void> => {
      for (let i = 0; i < 40; i++) {
        const ack: Ack = { key: `c${c}-${i}` };
        acks.push(ack);
        const id = await submit(url, ack.key);
        if (id !== undefined) ack.id = id;
        if (id !== undefined && ++acked === 60 && !killed) {
          killed = true;
          child.kill("SIGKILL");
        }
        if (killed) return;
      }
    };
    await Promise.all([0, 1, 2, 3].map(client));
    expect(killed).toBe(true);
    await exited;

    ({ child, url, exited } = await serveProcess(dataDir));
    try {
      // clients retry what they never heard back about, with the same Idempotency-Key
      for (const ack of acks) {
        const id = await submit(url, ack.key);
        expect(id).toBeDefined();
        if (ack.id !== undefined) expect(id).toBe(ack.id); // an acknowledged job is the same job
        ack.id = id;
      }
      const list = async () =>
        (
          (await (await fetch(`${url}/api/v1/jobs?limit=10000`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
            jobs: { id: string; name: string; state: string; message?: string }[];
          }
        ).jobs;
      const jobs = await list();
      expect(jobs.length).toBe(acks.length); // none lost, none duplicated
      expect(new Set(jobs.map((j) => j.name)).size).toBe(acks.length);
      // every job, including those that were running at the kill, reaches an end
      const deadline = Date.now() + 60_000;
      let states: string[] = [];
      while (Date.now() < deadline) {
        states = (await list()).map((j) => (j.state === "failed" ? `failed: ${j.message ?? ""}` : j.state));
        if (states.every((s) => s === "succeeded" || s.startsWith("failed"))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(states.filter((s) => s !== "succeeded")).toEqual([]);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }, 120_000);
});
