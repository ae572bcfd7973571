import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core/errors";
import { connection, requestJson, type ConnectionFlags } from "../client/http.js";
import { printJson, printTable, type Io } from "../output.js";

interface ServedView {
  name: string;
  project: string | null;
  source: "promoted" | "package";
  artifact?: { id: string; project: string; name: string; version: number };
  promotedBy?: string;
  promotedAtMs?: number;
  /** Predictions need no token. */
  public?: boolean;
}

interface ProjectView {
  name: string;
  createdBy: string;
  members: { user: string; role: string }[];
  usedBytes: number;
}

const conn = (c: Command): Command => c.option("--url <url>", "server URL").option("--token <token>", "bearer token");

/** `aidc models`: which artifact version each served name answers with, and promotions. */
export function registerModels(program: Command, io: Io): void {
  const group = program.command("models").description("served models: a name bound to an artifact version by promotion");

  conn(group.command("list"))
    .alias("ls")
    .description("served models with their project and artifact version")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { json?: boolean }) => {
      const { models } = await requestJson<{ models: ServedView[] }>(connection(opts), "GET", "/api/v1/models");
      if (opts.json) return printJson(io, models);
      printTable(
        io,
        ["MODEL", "ACCESS", "PROJECT", "ARTIFACT", "PROMOTED BY"],
        models.map((m) => [
          m.name,
          m.public === true ? "public" : "token",
          m.project ?? "-",
          m.artifact ? `${m.artifact.project}/${m.artifact.name}:${m.artifact.version}` : "(package in the models folder)",
          m.promotedBy ?? "-",
        ]),
      );
    });

  conn(group.command("promote"))
    .description("serve an artifact version under a name (a free name is claimed for the artifact's project)")
    .argument("<name>", "served model name")
    .argument("<artifact>", "project/name:version (or project/name for the latest)")
    .option("--public", "anybody may predict with it, without a token (only this model's predict and metadata routes)")
    .option("--private", "predictions need a token again (the default for a new name)")
    .option("--json", "print one JSON document")
    .action(async (name: string, artifact: string, opts: ConnectionFlags & { json?: boolean; public?: boolean; private?: boolean }) => {
      if (opts.public === true && opts.private === true)
        throw new InvalidInputError("Conflicting options", [
          { code: "invalid_value", path: "--public", message: "give --public or --private, not both" },
        ]);
      const visibility = opts.public === true ? { public: true } : opts.private === true ? { public: false } : {};
      const m = await requestJson<ServedView>(connection(opts), "POST", `/api/v1/models/${encodeURIComponent(name)}/promote`, {
        artifact,
        ...visibility,
      });
      if (opts.json) return printJson(io, m);
      const what = m.artifact ? `${m.artifact.project}/${m.artifact.name}:${m.artifact.version}` : "?";
      io.out(`${m.name} now serves ${what}${m.public === true ? " (public: no token needed to predict)" : ""}\n`);
    });

  conn(group.command("release"))
    .description("stop serving a promoted model and free its name")
    .argument("<name>")
    .action(async (name: string, opts: ConnectionFlags) => {
      await requestJson<ServedView>(connection(opts), "DELETE", `/api/v1/models/${encodeURIComponent(name)}`);
      io.out(`released ${name}\n`);
    });
}

/** `aidc projects`: who may read and publish a project's artifacts and models. */
export function registerProjects(program: Command, io: Io): void {
  const group = program.command("projects").description("projects own artifacts and served models; owners manage members");

  conn(group.command("list"))
    .alias("ls")
    .description("projects you can read, with your role")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { json?: boolean }) => {
      const { projects } = await requestJson<{ projects: { name: string; role: string }[] }>(connection(opts), "GET", "/api/v1/projects");
      if (opts.json) return printJson(io, projects);
      printTable(
        io,
        ["PROJECT", "ROLE"],
        projects.map((p) => [p.name, p.role]),
      );
    });

  conn(group.command("show"))
    .description("a project's members")
    .argument("<project>")
    .option("--json", "print one JSON document")
    .action(async (project: string, opts: ConnectionFlags & { json?: boolean }) => {
      const p = await requestJson<ProjectView>(connection(opts), "GET", `/api/v1/projects/${encodeURIComponent(project)}`);
      if (opts.json) return printJson(io, p);
      printTable(
        io,
        ["USER", "ROLE"],
        p.members.map((m) => [m.user, m.role]),
      );
    });

  conn(group.command("grant"))
    .description("add a member or change a member's role (owners)")
    .argument("<project>")
    .argument("<user>")
    .argument("<role>", "reader | publisher | owner")
    .action(async (project: string, user: string, role: string, opts: ConnectionFlags) => {
      await requestJson(connection(opts), "POST", `/api/v1/projects/${encodeURIComponent(project)}/members`, { user, role });
      io.out(`${user} is now ${role} of ${project}\n`);
    });

  conn(group.command("revoke"))
    .description("remove a member (owners; anyone may remove themselves)")
    .argument("<project>")
    .argument("<user>")
    .action(async (project: string, user: string, opts: ConnectionFlags) => {
      await requestJson(connection(opts), "DELETE", `/api/v1/projects/${encodeURIComponent(project)}/members/${encodeURIComponent(user)}`);
      io.out(`${user} removed from ${project}\n`);
    });
}
