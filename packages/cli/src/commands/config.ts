import { resolve } from "node:path";
import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core/errors";
import { DEFAULT_URL } from "../client/http.js";
import { configPath, readConfig, writeConfig, type Context } from "../client/contexts.js";
import { printJson, printTable, type Io } from "../output.js";

function checkServer(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`Invalid server URL "${url}"`, [
      { code: "invalid_url", path: "--server", message: `"${url}" is not a URL (e.g. https://aidc.example.com:8080)` },
    ]);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new InvalidInputError(`Invalid server URL "${url}"`, [
      { code: "invalid_url", path: "--server", message: `use http:// or https://, not ${parsed.protocol}` },
    ]);
  return url.replace(/\/+$/, "");
}

function unknown(name: string, known: readonly Context[]): InvalidInputError {
  const names = known.map((c) => c.name).join(", ") || "none; create one with aidc config set-context";
  return new InvalidInputError(`No context "${name}"`, [
    { code: "unknown_context", path: "name", message: `no context "${name}" in ${configPath()} (known: ${names})` },
  ]);
}

export function registerConfig(program: Command, io: Io, setExit: (code: number) => void): void {
  const config = program
    .command("config")
    .description("contexts (server, token file, CA) like kubectl's: set-context, use-context, get-contexts, current-context");

  config
    .command("set-context")
    .description("create or update a context; the first one becomes current")
    .argument("<name>")
    .option("--server <url>", `server URL (default ${DEFAULT_URL} for a new context)`)
    .option("--token-file <file>", "file holding the bearer token (read at each call)")
    .option("--ca <file>", "PEM CA certificate to check the server's TLS certificate against")
    .option("--use", "also make it the current context")
    .action((name: string, opts: { server?: string; tokenFile?: string; ca?: string; use?: boolean }) => {
      const cfg = readConfig();
      const old = cfg.contexts.find((c) => c.name === name);
      const tokenFile = opts.tokenFile !== undefined ? resolve(opts.tokenFile) : old?.tokenFile;
      const ca = opts.ca !== undefined ? resolve(opts.ca) : old?.ca;
      const next: Context = {
        name,
        server: opts.server !== undefined ? checkServer(opts.server) : (old?.server ?? DEFAULT_URL),
        ...(tokenFile !== undefined ? { tokenFile } : {}),
        ...(ca !== undefined ? { ca } : {}),
      };
      const contexts = old ? cfg.contexts.map((c) => (c.name === name ? next : c)) : [...cfg.contexts, next];
      const current = opts.use === true || cfg.currentContext === undefined ? name : cfg.currentContext;
      writeConfig({ currentContext: current, contexts });
      io.out(`${old ? "updated" : "created"} context ${name}${current === name ? " (current)" : ""}\n`);
    });

  config
    .command("use-context")
    .description("make a context the current one")
    .argument("<name>")
    .action((name: string) => {
      const cfg = readConfig();
      if (!cfg.contexts.some((c) => c.name === name)) throw unknown(name, cfg.contexts);
      writeConfig({ ...cfg, currentContext: name });
      io.out(`switched to context ${name}\n`);
    });

  config
    .command("delete-context")
    .description("remove a context")
    .argument("<name>")
    .action((name: string) => {
      const cfg = readConfig();
      if (!cfg.contexts.some((c) => c.name === name)) throw unknown(name, cfg.contexts);
      const contexts = cfg.contexts.filter((c) => c.name !== name);
      const currentContext = cfg.currentContext === name ? undefined : cfg.currentContext;
      writeConfig({ ...(currentContext ? { currentContext } : {}), contexts });
      io.out(`deleted context ${name}\n`);
    });

  config
    .command("get-contexts")
    .description("list contexts; * marks the current one")
    .option("--json", "print one JSON document")
    .action((opts: { json?: boolean }) => {
      const cfg = readConfig();
      if (opts.json) return printJson(io, { currentContext: cfg.currentContext ?? null, contexts: cfg.contexts });
      printTable(
        io,
        ["CURRENT", "NAME", "SERVER", "TOKEN FILE", "CA"],
        cfg.contexts.map((c) => [c.name === cfg.currentContext ? "*" : "", c.name, c.server, c.tokenFile, c.ca]),
      );
    });

  config
    .command("current-context")
    .description("print the current context's name (exit 1 if none is set)")
    .action(() => {
      const cfg = readConfig();
      if (cfg.currentContext === undefined) {
        io.err(`no current context (aidc config use-context <name>; config file ${configPath()})\n`);
        setExit(1);
        return;
      }
      io.out(`${cfg.currentContext}\n`);
    });

  config
    .command("path")
    .description("print where the config file is")
    .action(() => io.out(`${configPath()}\n`));
}
