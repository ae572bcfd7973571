#!/usr/bin/env node
// Builds the installable `aidc` package: `npm pack` of a staged folder that bundles the built
// workspace packages (bundleDependencies), the console's built assets, the JSON schemas and the
// examples, and depends on the third-party packages at the versions of package-lock.json.
//   npm run build && node scripts/pack.mjs [--out <dir>]      # prints {"tarball": ..., ...}
//   npm install -g aidc-<version>.tgz                          # then: aidc --version
// Layout of the package:
//   bin/aidc.js                 the `aidc` command (npm links it)
//   bin/aidc                    sh launcher, what the server spawns for workload jobs
//   node_modules/@aidc/<pkg>/   package.json + dist/ of every workspace package (console: its Vite build)
//   schemas/, examples/         JSON schemas for editors, example files (without examples/data)
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const flag = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const outDir = resolve(flag("out", join(root, "out", "pack")));
const fail = (message) => {
  console.error(`pack: ${message}`);
  process.exit(2);
};

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const rootPkg = readJson(join(root, "package.json"));
const lock = readJson(join(root, "package-lock.json"));
const workspaces = rootPkg.workspaces.map((w) => ({ dir: join(root, w), pkg: readJson(join(root, w, "package.json")) }));
const ours = new Set(workspaces.map((w) => w.pkg.name));
const cli = workspaces.find((w) => w.pkg.name === "@aidc/cli");
if (!cli) fail("no @aidc/cli workspace");
for (const w of workspaces)
  if (!existsSync(join(w.dir, "dist"))) fail(`${w.pkg.name} is not built (no ${w.dir}/dist): run npm run build first`);

// third-party dependencies of the packages that run in node (the console's are inside its Vite build),
// pinned to what package-lock.json installed, so the package runs what the tests ran
const dependencies = {};
for (const w of workspaces) {
  if (w.pkg.name === "@aidc/console") continue;
  for (const name of Object.keys(w.pkg.dependencies ?? {})) {
    if (ours.has(name)) continue;
    const locked = lock.packages?.[`node_modules/${name}`]?.version;
    if (!locked) fail(`${name} (a dependency of ${w.pkg.name}) is not in package-lock.json`);
    dependencies[name] = locked;
  }
}

const stage = mkdtempSync(join(tmpdir(), "aidc-pack-"));
try {
  // the workspace packages, built output only (no tests, no source maps)
  const skip = (src) => /\.(test|testing)\.(js|d\.ts)$/.test(src) || src.endsWith(".map") || basename(src) === "tsconfig.tsbuildinfo";
  for (const w of workspaces) {
    const dest = join(stage, "node_modules", ...w.pkg.name.split("/"));
    mkdirSync(dest, { recursive: true });
    cpSync(join(w.dir, "dist"), join(dest, "dist"), { recursive: true, filter: (src) => !skip(src) });
    // no dependencies in a bundled package.json: npm would take them for part of the bundle and not
    // install them; the package's own dependencies (above) hold them, found by node's upward lookup
    const { devDependencies: _d, scripts: _s, dependencies: _deps, ...pkg } = w.pkg;
    writeFileSync(join(dest, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  }

  // the server finds `bin/aidc` four levels above its dist/workloads/run.js (the checkout's root);
  // in the package that file sits one level deeper, under node_modules/@aidc/server
  const run = join(stage, "node_modules/@aidc/server/dist/workloads/run.js");
  const runText = readFileSync(run, "utf8");
  const launcherRef = '"../../../../bin/aidc"';
  if (!runText.includes(launcherRef)) fail(`${run} no longer names ${launcherRef}; update scripts/pack.mjs`);
  writeFileSync(run, runText.replace(launcherRef, '"../../../../../bin/aidc"'));

  mkdirSync(join(stage, "bin"));
  writeFileSync(join(stage, "bin", "aidc.js"), '#!/usr/bin/env node\nimport "../node_modules/@aidc/cli/dist/bin.js";\n');
  writeFileSync(
    join(stage, "bin", "aidc"),
    '#!/bin/sh\n# the aidc CLI of this installed package (workload jobs run it)\nhere=$(dirname "$(readlink -f "$0")")\nexec node "$here/../node_modules/@aidc/cli/dist/bin.js" "$@"\n',
  );
  chmodSync(join(stage, "bin", "aidc.js"), 0o755);
  chmodSync(join(stage, "bin", "aidc"), 0o755);

  cpSync(join(root, "schemas"), join(stage, "schemas"), { recursive: true });
  cpSync(join(root, "examples"), join(stage, "examples"), { recursive: true, filter: (src) => src !== join(root, "examples", "data") });
  for (const f of ["README.md", "LICENSE"]) if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f));

  const pkg = {
    name: "aidc",
    version: cli.pkg.version,
    description: rootPkg.description,
    license: rootPkg.license,
    type: "module",
    engines: rootPkg.engines,
    bin: { aidc: "bin/aidc.js" },
    files: ["bin", "schemas", "examples", "README.md", "LICENSE"],
    // a bundled package must be a dependency too, else npm pack leaves it out
    dependencies: { ...dependencies, ...Object.fromEntries(workspaces.map((w) => [w.pkg.name, w.pkg.version])) },
    bundleDependencies: [...ours].sort(),
  };
  writeFileSync(join(stage, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);

  mkdirSync(outDir, { recursive: true });
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", outDir], {
    cwd: stage,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [info] = JSON.parse(out);
  const bundled = readdirSync(join(stage, "node_modules", "@aidc"));
  console.log(
    JSON.stringify(
      {
        tarball: join(outDir, info.filename),
        version: pkg.version,
        sizeBytes: info.size,
        unpackedBytes: info.unpackedSize,
        files: info.entryCount,
        bundled,
        dependencies,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
