import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { DOCUMENT_SCHEMAS, MODEL_SCHEMAS, jsonSchemaFor, type SchemaName } from "@aidc/core";

const repo = new URL("../../", import.meta.url).pathname;
const aidc = join(repo, "bin/aidc");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ya?ml|json)$/.test(name) ? [path] : [];
  });
}

describe("bin/aidc (a real process)", () => {
  it("accepts every file in examples/", () => {
    const files = filesUnder(join(repo, "examples")).filter((f) => !f.includes("/examples/data/")); // data fixtures, not documents
    expect(files.length).toBeGreaterThanOrEqual(4);
    const r = spawnSync(aidc, ["validate", "--json", ...files], { encoding: "utf8" });
    const doc = JSON.parse(r.stdout) as { files: { file: string; ok: boolean; issues: unknown[] }[] };
    const bad = doc.files.filter((f) => !f.ok).map((f) => `${relative(repo, f.file)}: ${JSON.stringify(f.issues)}`);
    expect(bad).toEqual([]);
    expect(r.status).toBe(0);
  });

  it("exits 2 with path-qualified messages and no stack trace on bad input", () => {
    const dir = mkdtempSync(join(tmpdir(), "aidc-e2e-"));
    const file = join(dir, "bad.yaml");
    spawnSync("sh", [
      "-c",
      `printf 'apiVersion: aidc/v1\\nkind: Cluster\\nname: x\\nracks: [{ name: r, nodes: [{ name: n, count: -1, system: dgx-h100 }] }]\\nqueues: 3\\n' > ${file}`,
    ]);
    const r = spawnSync(aidc, ["validate", file], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("racks[0].nodes[0].count (line 4): must be greater than 0, got number -1");
    expect(r.stderr).toContain("queues (line 5): expected array, got number 3");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("catalog accelerators --json prints exactly one JSON document", () => {
    const r = spawnSync(aidc, ["catalog", "accelerators", "--json"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
  });

  it("serve starts on the demo cluster, answers /healthz, and stops on SIGTERM with exit 0", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-serve-"));
    const args = [
      "serve",
      "--port",
      "0",
      "--data-dir",
      dataDir,
      "--cluster",
      join(repo, "examples/clusters/demo.yaml"),
      "--log-level",
      "warn",
    ];
    await expectServesAndStops(spawn(aidc, args, { stdio: ["ignore", "pipe", "pipe"] }), dataDir);
  });

  it("npm start serves the demo cluster (extra arguments pick a free port and a fresh store)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "aidc-start-"));
    const child = spawn("npm", ["start", "--silent", "--", "--port", "0", "--data-dir", dataDir, "--log-level", "warn"], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    // npm itself dies of the signal (exit code null); what matters is that the server stopped
    const url = await expectServesAndStops(child, dataDir, () => process.kill(-(child.pid ?? 0), "SIGTERM"));
    // npm exits at once; the server finishes its graceful shutdown a moment later (it raced this check under load)
    const stopped = async (): Promise<boolean> =>
      fetch(`${url}/healthz`).then(
        () => false,
        () => true,
      );
    for (let i = 0; i < 100 && !(await stopped()); i++) await new Promise((r) => setTimeout(r, 100));
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 180_000);
});

/** Wait for the URL line on stdout, check /healthz and the cluster, then stop the process with SIGTERM. */
async function expectServesAndStops(
  child: ChildProcessWithoutNullStreams | ReturnType<typeof spawn>,
  dataDir: string,
  stop?: () => void,
): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^(http:\/\/\S+)$/m.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`aidc exited early with ${String(code)}: ${out}`)));
  });
  const health = await fetch(`${url}/healthz`);
  expect(health.status).toBe(200);
  const token = readFileSync(join(dataDir, "admin-token"), "utf8").trim();
  const cluster = (await (await fetch(`${url}/api/v1/cluster`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    name: string;
  };
  expect(cluster.name).toBe("demo");
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  if (stop) stop();
  else child.kill("SIGTERM");
  const code = await exit;
  if (!stop) expect(code).toBe(0);
  return url;
}

describe("generated JSON Schemas", () => {
  it("schemas/ matches the zod schemas (run npm run build after changing a schema)", () => {
    for (const kind of [...Object.keys(DOCUMENT_SCHEMAS), ...Object.keys(MODEL_SCHEMAS)] as SchemaName[]) {
      const onDisk = JSON.parse(readFileSync(join(repo, "schemas", `${kind.toLowerCase()}.schema.json`), "utf8")) as Record<
        string,
        unknown
      >;
      const { $id: _id, title: _title, ...rest } = onDisk;
      expect(rest).toEqual(jsonSchemaFor(kind));
    }
  });
});
