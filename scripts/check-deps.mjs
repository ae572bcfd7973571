#!/usr/bin/env node
// Checks that every workspace package declares only the @aidc/* dependencies the architecture
// allows, and that the root build references every package (tsc -b then rejects cycles).
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { ALLOWED } from "./boundaries.mjs";

const root = new URL("..", import.meta.url).pathname;
const problems = [];
const refs = JSON.parse(readFileSync(join(root, "tsconfig.json"), "utf8")).references.map((r) => r.path);
for (const dir of readdirSync(join(root, "packages"))) {
  const file = join(root, "packages", dir, "package.json");
  if (!existsSync(file)) continue;
  const pkg = JSON.parse(readFileSync(file, "utf8"));
  if (!(dir in ALLOWED)) problems.push(`packages/${dir}: not a package of ARCHITECTURE.md; add it to scripts/boundaries.mjs first`);
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((d) => d.startsWith("@aidc/"));
  for (const d of deps) {
    const name = d.slice("@aidc/".length);
    if (!(ALLOWED[dir] ?? []).includes(name))
      problems.push(`packages/${dir}/package.json: may not depend on ${d} (allowed: ${(ALLOWED[dir] ?? []).join(", ") || "none"})`);
  }
  // the console is built by Vite and type-checked on its own (npm run lint), not by tsc -b
  if (dir !== "console" && !refs.includes(`packages/${dir}`)) problems.push(`tsconfig.json: references no packages/${dir}`);
}
// every package a source file imports (tests aside) must be declared in its package.json
function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.ts$/.test(name) && !/\.(test|testing)\.ts$/.test(name) ? [path] : [];
  });
}
for (const dir of readdirSync(join(root, "packages"))) {
  const file = join(root, "packages", dir, "package.json");
  const src = join(root, "packages", dir, "src");
  if (!existsSync(file) || !existsSync(src)) continue;
  const pkg = JSON.parse(readFileSync(file, "utf8"));
  const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.peerDependencies }));
  for (const path of sources(src)) {
    const text = readFileSync(path, "utf8");
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"/gms),
      ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
    ];
    for (const m of specs) {
      const spec = m[1];
      if (spec.startsWith("node:") || spec.startsWith(".")) continue;
      const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
      if (!declared.has(name))
        problems.push(`${path.slice(root.length)}: imports ${name}, which packages/${dir}/package.json does not declare`);
    }
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
