import { Command, CommanderError } from "commander";
import { AIDC_VERSION, AidcError, InvalidInputError, formatIssue } from "@aidc/core";
import { registerAgent } from "./commands/agent.js";
import { registerAlerts } from "./commands/alerts.js";
import { registerAnomaly } from "./commands/anomaly.js";
import { registerArtifacts } from "./commands/artifacts.js";
import { registerCatalog } from "./commands/catalog.js";
import { registerJobs } from "./commands/jobs.js";
import { registerPlan } from "./commands/plan.js";
import { registerRecommend } from "./commands/recommend.js";
import { registerServe } from "./commands/serve.js";
import { registerSim } from "./commands/sim.js";
import { registerSimPack } from "./commands/sim-pack.js";
import { registerValidate } from "./commands/validate.js";
import { registerWorkloads } from "./commands/workloads.js";
import { registerWhatIf } from "./commands/whatif.js";
import { paint, printJson, processIo, type Io } from "./output.js";

export const EXIT = { ok: 0, failure: 1, badInput: 2 } as const;

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command("aidc")
    .description("aidc: plan, simulate, run and observe an AI data center")
    .version(AIDC_VERSION, "-V, --version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerCatalog(program, io);
  registerValidate(program, io, setExit);
  registerServe(program, io);
  registerJobs(program, io, setExit);
  registerArtifacts(program, io);
  registerPlan(program, io, setExit);
  registerWorkloads(program, io);
  registerSim(program, io);
  registerSimPack(program, io);
  registerAnomaly(program, io);
  registerAlerts(program, io, setExit);
  registerAgent(program, io);
  registerRecommend(program, io);
  registerWhatIf(program, io);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err });
  }
  return program;
}

/** Run the CLI; returns the exit code. The one place where errors become output and exit codes. */
export async function main(argv: readonly string[], baseIo: Io = processIo): Promise<number> {
  let code: number = EXIT.ok;
  const json = argv.includes("--json");
  const io: Io = json ? { ...baseIo, json: true } : baseIo;
  const program = buildProgram(io, (c) => (code = Math.max(code, c)));
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version "errors" are successes; everything else commander rejects is bad input
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (err instanceof InvalidInputError) {
      if (json) printJson(io, { error: { code: err.code, message: err.message, issues: err.issues } });
      else for (const i of err.issues) io.err(`${paint(io, "red", "error")}: ${formatIssue(i)}\n`);
      return EXIT.badInput;
    }
    const message = err instanceof Error ? err.message : String(err);
    const codeName = err instanceof AidcError ? err.code : "INTERNAL";
    if (json) printJson(io, { error: { code: codeName, message } });
    else io.err(`${paint(io, "red", "error")}: ${message}\n`);
    if (process.env["AIDC_DEBUG"] && err instanceof Error) io.err(`${err.stack ?? ""}\n`);
    return EXIT.failure;
  }
}
