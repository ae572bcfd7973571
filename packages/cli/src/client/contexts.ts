import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { InvalidInputError, type Issue } from "@aidc/core/errors";
import type * as Yaml from "yaml";

/** A named server to talk to, like a kubectl context. */
export interface Context {
  readonly name: string;
  readonly server: string;
  /** A file holding the bearer token (read at each call, never copied into the config). */
  readonly tokenFile?: string;
  /** A PEM file with the CA certificate(s) the server's TLS certificate is checked against. */
  readonly ca?: string;
}

export interface CliConfig {
  readonly currentContext?: string;
  readonly contexts: readonly Context[];
}

/** `$AIDC_CONFIG`, else `$XDG_CONFIG_HOME/aidc/config.yaml`, else `~/.config/aidc/config.yaml`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env["AIDC_CONFIG"];
  if (explicit) return explicit;
  const base = env["XDG_CONFIG_HOME"] || join(homedir(), ".config");
  return join(base, "aidc", "config.yaml");
}

// yaml is loaded only when a config file exists, so commands without one do not pay for it
const requireYaml = (): typeof Yaml => createRequire(import.meta.url)("yaml") as typeof Yaml;

function bad(path: string, issues: Issue[]): never {
  throw new InvalidInputError(`Invalid aidc config ${path}`, issues);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Read the config; a missing file is an empty config, a malformed one is bad input naming the field. */
export function readConfig(path: string = configPath()): CliConfig {
  if (!existsSync(path)) return { contexts: [] };
  let doc: unknown;
  try {
    doc = requireYaml().parse(readFileSync(path, "utf8"));
  } catch (e) {
    bad(path, [{ code: "invalid_yaml", path, message: (e as Error).message }]);
  }
  if (doc === null || doc === undefined) return { contexts: [] };
  if (typeof doc !== "object" || Array.isArray(doc)) bad(path, [{ code: "invalid_type", path: "(root)", message: "expected a mapping" }]);
  const raw = doc as { currentContext?: unknown; contexts?: unknown };
  const list = raw.contexts ?? [];
  if (!Array.isArray(list)) bad(path, [{ code: "invalid_type", path: "contexts", message: "expected a list" }]);
  const contexts: Context[] = [];
  const issues: Issue[] = [];
  list.forEach((c: unknown, i) => {
    const o = (typeof c === "object" && c !== null ? c : {}) as Record<string, unknown>;
    const name = str(o["name"]);
    const server = str(o["server"]);
    if (!name) issues.push({ code: "required", path: `contexts[${i}].name`, message: "a context needs a name" });
    if (!server) issues.push({ code: "required", path: `contexts[${i}].server`, message: "a context needs a server URL" });
    const tokenFile = str(o["tokenFile"]);
    const ca = str(o["ca"]);
    if (name && server) contexts.push({ name, server, ...(tokenFile ? { tokenFile } : {}), ...(ca ? { ca } : {}) });
  });
  if (issues.length > 0) bad(path, issues);
  const current = str(raw.currentContext);
  return { ...(current ? { currentContext: current } : {}), contexts };
}

/** Write the config atomically with mode 600 (it names token files and servers). */
export function writeConfig(config: CliConfig, path: string = configPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const doc = {
    ...(config.currentContext ? { currentContext: config.currentContext } : {}),
    contexts: config.contexts.map((c) => ({ ...c })),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, requireYaml().stringify(doc), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

let selected: string | undefined;

/** The context named by `--context` (main.ts sets it before any command runs). */
export function selectContext(name: string | undefined): void {
  selected = name;
}

/** The context in effect: --context, else $AIDC_CONTEXT, else the config's current context; none without a config. */
export function activeContext(env: NodeJS.ProcessEnv = process.env, path: string = configPath(env)): Context | undefined {
  const wanted = selected ?? str(env["AIDC_CONTEXT"]);
  if (wanted === undefined && !existsSync(path)) return undefined;
  const config = readConfig(path);
  const name = wanted ?? config.currentContext;
  if (name === undefined) return undefined;
  const ctx = config.contexts.find((c) => c.name === name);
  if (ctx === undefined) {
    const known = config.contexts.map((c) => c.name).join(", ") || "none";
    const message = `no context "${name}" in ${path} (known: ${known})`;
    throw new InvalidInputError(message, [{ code: "unknown_context", path: "context", message }]);
  }
  return ctx;
}
