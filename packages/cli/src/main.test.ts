import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { AIDC_VERSION, defaultCatalog } from "@aidc/core";
import { COMMANDS, registerAll } from "./commands/index.js";
import { cliVersion } from "./main.js";
import { runCli } from "./run-cli.testing.js";

const run = (...argv: string[]) => runCli(argv);

const dir = mkdtempSync(join(tmpdir(), "aidc-cli-"));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("aidc CLI", () => {
  it("prints its version and help with exit 0", async () => {
    expect((await run("--version")).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await run("--help");
    expect(help.code).toBe(0);
    expect(help.out).toContain("catalog");
    expect(help.out).toContain("validate");
  });

  it("exits 2 on an unknown command or option", async () => {
    expect((await run("frobnicate")).code).toBe(2);
    expect((await run("catalog", "accelerators", "--bogus")).code).toBe(2);
    const near = await run("catalgo");
    expect(near.code).toBe(2);
    expect(near.err).toMatch(/unknown command 'catalgo'[\s\S]*catalog/);
  });

  it("prints commander's errors as one JSON document with --json", async () => {
    const r = await run("catalog", "accelerators", "--bogus", "--json");
    expect(r.code).toBe(2);
    expect(r.err).toBe("");
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: "INVALID_ARGUMENTS", message: expect.stringContaining("--bogus") } });
  });

  it("reports its package version, which is core's", async () => {
    expect(cliVersion()).toBe(AIDC_VERSION);
    expect((await run("-V")).out).toBe(`${AIDC_VERSION}\n`);
  });

  it("lists every command of every module in the top-level help, and the table names no command that does not exist", async () => {
    const all = new Command("aidc");
    await registerAll(all, { out: () => undefined, err: () => undefined, tty: false }, () => undefined);
    const registered = all.commands.map((c) => c.name()).sort();
    expect(COMMANDS.map((c) => c.name).sort()).toEqual(registered);
    const help = (await run("--help")).out.replace(/\s+/g, " ");
    for (const c of COMMANDS) {
      expect(c.description).not.toBe("");
      expect(help).toContain(` ${c.name} ${c.description}`);
    }
    // `aidc help <command>` loads that command's module and prints its own help
    const sim = await run("help", "sim");
    expect(sim.code).toBe(0);
    expect(sim.out).toMatch(/Usage: aidc sim[\s\S]*pack/);
  });

  it("maps unreadable files (ENOENT, EISDIR) to exit 2 with 'cannot read <path>'", async () => {
    const home = mkdtempSync(join(tmpdir(), "aidc-cfg-"));
    const before = process.env["XDG_CONFIG_HOME"];
    process.env["XDG_CONFIG_HOME"] = home;
    try {
      const missing = join(home, "no-token");
      expect((await run("config", "set-context", "a", "--server", "http://127.0.0.1:1", "--token-file", missing)).code).toBe(0);
      const r = await run("--context", "a", "jobs");
      expect(r.code).toBe(2);
      expect(r.err).toBe(`error: cannot read ${missing}: no such file or directory\n`);
      const dir = join(home, "token-dir");
      mkdirSync(dir);
      await run("config", "set-context", "a", "--token-file", dir);
      const j = await run("jobs", "--json");
      expect(j.code).toBe(2);
      expect(JSON.parse(j.out)).toMatchObject({
        error: { code: "UNREADABLE", message: `cannot read ${dir}: is a directory`, issues: [{ code: "EISDIR", path: dir }] },
      });
    } finally {
      if (before === undefined) delete process.env["XDG_CONFIG_HOME"];
      else process.env["XDG_CONFIG_HOME"] = before;
    }
  });

  it("an output path that cannot be written says 'cannot write' (exit 2), not 'cannot read'", async () => {
    const blocker = file("a-file", "x");
    const scenario = new URL("../../../examples/scenarios/ai-factory-4k-h100.yaml", import.meta.url).pathname;
    const r = await run("plan", "datacenter", scenario, "--format", "html", "--png-dir", join(blocker, "charts"));
    expect(r.code).toBe(2);
    expect(r.err).toContain(`cannot write ${join(blocker, "charts")}`);
  });

  it("a server's error code sets the exit code through the catalog: 409 ILLEGAL_TRANSITION is the caller's (2), 503 is a failure (1)", async () => {
    const { createServer } = await import("node:http");
    let status = 409;
    const server = createServer((_req, res) => {
      const code = status === 409 ? "ILLEGAL_TRANSITION" : "EXECUTOR_UNAVAILABLE";
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { code, message: "no" } }));
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      expect((await run("cancel", "job-1", "--url", url, "--token", "t")).code).toBe(2);
      status = 503;
      expect((await run("cancel", "job-1", "--url", url, "--token", "t")).code).toBe(1);
    } finally {
      server.close();
    }
  });

  it("lists accelerators as exactly one JSON document with the modelled fields", async () => {
    const r = await run("catalog", "accelerators", "--json");
    expect(r.code).toBe(0);
    const items = JSON.parse(r.out) as Record<string, unknown>[];
    expect(items.length).toBe(defaultCatalog().accelerators.length);
    for (const a of items) {
      for (const field of ["vendor", "name", "memoryGB", "memoryBandwidthGBps", "dense", "tdpW", "formFactor"])
        expect(a).toHaveProperty(field);
    }
  });

  it("prints a tab-separated table when piped", async () => {
    const r = await run("catalog", "systems");
    const lines = r.out.trim().split("\n");
    expect(lines[0]?.split("\t")[0]).toBe("ID");
    expect(lines.length).toBe(defaultCatalog().systems.length + 1);
  });

  it("shows an item by the names people write, and exits 2 for an unknown one", async () => {
    for (const name of ["H100-SXM5-80GB", "h100 sxm", "NVIDIA H100 SXM"]) {
      const r = await run("catalog", "show", name, "--json");
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as { id: string }).id).toBe("h100-sxm5-80gb");
    }
    const bad = await run("catalog", "show", "h1000 sxm");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/name: unknown catalog item "h1000 sxm"; did you mean/);
    const badJson = await run("catalog", "show", "nope", "--json");
    expect(JSON.parse(badJson.out)).toMatchObject({ error: { code: "INVALID_INPUT" } });
  });

  it("validate prints one path-qualified line per problem and exits 2", async () => {
    const path = file(
      "three.yaml",
      [
        "apiVersion: aidc/v1",
        "kind: Job",
        "name: j",
        "tasks:",
        "  - replicas: 0",
        "    resources: { gpus: -1, cpu: 2 }",
        "run: { command: x }",
      ].join("\n"),
    );
    const r = await run("validate", path);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split("\n");
    expect(lines).toEqual([
      `${path}: tasks[0].replicas (line 5): must be greater than 0, got number 0`,
      `${path}: tasks[0].resources.gpus (line 6): must be at least 0, got number -1`,
      `${path}: tasks[0].resources.cpu (line 6): unknown field`,
    ]);
  });

  it("validate exits 0 on valid files and 2 on a missing one, with --json as one document", async () => {
    const good = file("ok.yaml", "apiVersion: aidc/v1\nkind: Job\nname: ok\ntasks: [{}]\nrun: { command: [echo, hi] }\n");
    expect((await run("validate", good)).code).toBe(0);
    const r = await run("validate", good, join(dir, "missing.yaml"), "--json");
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.out) as { files: { ok: boolean; issues: { message: string }[] }[] };
    expect(doc.files.map((f) => f.ok)).toEqual([true, false]);
    expect(doc.files[1]?.issues[0]?.message).toBe("no such file");
  });

  it("serve rejects a bad port and a broken cluster file with exit 2, before binding", async () => {
    expect((await run("serve", "--port", "99999")).code).toBe(2);
    const broken = file(
      "cluster.yaml",
      "apiVersion: aidc/v1\nkind: Cluster\nname: c\nracks: [{ name: r, nodes: [{ name: n, system: dgx-h900 }] }]\n",
    );
    const r = await run("serve", "--port", "0", "--data-dir", join(dir, "data"), "--cluster", broken);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/racks\[0\]\.nodes\[0\]\.system.*unknown system "dgx-h900"/);
  });
});

// what a real process loads: --version and --help must not import a command module, commander or core's index
describe("aidc startup (built CLI)", () => {
  const repo = new URL("../../../", import.meta.url).pathname;
  const bin = join(repo, "packages/cli/dist/bin.js");
  // a module hook that prints every file the process resolves
  writeFileSync(
    join(dir, "hooks.mjs"),
    'export async function resolve(s, c, next) { const r = await next(s, c); if (r.url.startsWith("file:")) process.stderr.write(`LOADED ${r.url}\\n`); return r; }\n',
  );
  const hooks = join(dir, "register.mjs");
  writeFileSync(hooks, 'import { register } from "node:module";\nregister("./hooks.mjs", import.meta.url);\n');
  const loaded = (...argv: string[]): string[] => {
    const r = spawnSync(process.execPath, ["--import", hooks, bin, ...argv], { encoding: "utf8" });
    expect(r.status).toBe(0);
    return r.stderr
      .split("\n")
      .filter((l) => l.startsWith("LOADED "))
      .map((l) => l.slice("LOADED file://".length).replace(repo, ""));
  };

  it("--version and --help load no command module, no commander and not @aidc/core's index", () => {
    for (const argv of [["--version"], ["--help"]]) {
      const files = loaded(...argv);
      expect(files).toContain("packages/cli/dist/main.js");
      expect(files.filter((f) => /cli\/dist\/commands\/(?!index\.js)/.test(f))).toEqual([]);
      expect(files.filter((f) => /node_modules\/(commander|zod|yaml)\//.test(f))).toEqual([]);
      expect(files).not.toContain("packages/core/dist/index.js");
    }
  });

  it("a command loads only its own module", () => {
    const files = loaded("catalog", "nics");
    expect(files.filter((f) => f.includes("cli/dist/commands/"))).toEqual([
      "packages/cli/dist/commands/index.js",
      "packages/cli/dist/commands/catalog.js",
    ]);
  });
});
