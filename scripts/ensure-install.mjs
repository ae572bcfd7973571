#!/usr/bin/env node
// Installs dependencies when node_modules is missing or was installed from other manifests
// (package.json files or package-lock.json changed since), so `npm start` and `npm test` work
// on a fresh clone. Uses `npm ci` when a lock file exists (exact versions).
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { execSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const lock = join(root, "package-lock.json");
const stampFile = join(root, "node_modules", ".aidc-install-stamp");
const manifests = [
  join(root, "package.json"),
  lock,
  ...readdirSync(join(root, "packages")).map((d) => join(root, "packages", d, "package.json")),
].filter(existsSync);
// Only what decides the installed tree counts; editing "scripts" must not trigger a reinstall.
const FIELDS = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "overrides", "workspaces", "allowScripts"];
const hash = createHash("sha256");
for (const f of manifests) {
  const text = readFileSync(f, "utf8");
  const relevant = f === lock ? text : JSON.stringify(FIELDS.map((k) => JSON.parse(text)[k] ?? null));
  hash.update(f).update(relevant);
}
const stamp = hash.digest("hex");

const native = join(root, "node_modules/better-sqlite3/build/Release/better_sqlite3.node");
const current = existsSync(stampFile) ? readFileSync(stampFile, "utf8") : "";
if (current === stamp && existsSync(native)) process.exit(0);

const cmd = existsSync(lock) ? "npm ci --no-audit --no-fund" : "npm install --no-audit --no-fund";
console.error(`aidc: installing dependencies (${cmd}); the first time builds better-sqlite3 from source (~1 min)`);
execSync(cmd, { cwd: root, stdio: "inherit" });
writeFileSync(stampFile, stamp);
