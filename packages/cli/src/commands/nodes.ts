import type { Command } from "commander";
import { connection, requestJson, type ConnectionFlags } from "../client/http.js";
import { paint, printJson, printTable, type Io } from "../output.js";

interface NodeView {
  name: string;
  rack: string;
  accelerator?: string;
  gpus: number;
  freeGpus: number;
  cpus: number;
  memoryGiB: number;
  /** up | cordoned | draining | drained (older servers: absent, `cordoned` holds the reason). */
  state?: string;
  reason?: string;
  runningJobs?: number;
  cordoned?: string;
}

function withConnection(cmd: Command): Command {
  return cmd
    .option("--url <url>", "server URL (default $AIDC_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (default $AIDC_TOKEN)");
}

function stateOf(n: NodeView): string {
  return n.state ?? (n.cordoned !== undefined ? "cordoned" : "up");
}

function painted(io: Io, state: string): string {
  return state === "up" ? paint(io, "green", state) : paint(io, "yellow", state);
}

type Action = "cordon" | "uncordon" | "drain";

const ACTIONS: Record<Action, { description: string; method: string; path: string; done: string }> = {
  cordon: {
    description: "stop placing new jobs on a node (its running jobs stay); operator role",
    method: "POST",
    path: "cordon",
    done: "cordoned",
  },
  uncordon: {
    description: "put a cordoned or drained node back into scheduling; operator role",
    method: "DELETE",
    path: "cordon",
    done: "up",
  },
  drain: {
    description: "cordon a node and requeue its running jobs to run elsewhere; operator role",
    method: "POST",
    path: "drain",
    done: "drained",
  },
};

export function registerNodes(program: Command, io: Io): void {
  withConnection(program.command("nodes"))
    .description("nodes of the running cluster: state (up, cordoned, draining, drained) and why, free GPUs")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { json?: boolean }) => {
      const { nodes } = await requestJson<{ nodes: NodeView[] }>(connection(opts), "GET", "/api/v1/nodes");
      if (opts.json) return printJson(io, nodes);
      printTable(
        io,
        ["NODE", "STATE", "RACK", "ACCELERATOR", "GPUS", "FREE", "JOBS", "CPUS", "MEM GiB", "REASON"],
        nodes.map((n) => [
          n.name,
          painted(io, stateOf(n)),
          n.rack,
          n.accelerator,
          n.gpus,
          n.freeGpus,
          n.runningJobs,
          n.cpus,
          n.memoryGiB,
          n.reason ?? n.cordoned,
        ]),
      );
    });

  for (const action of Object.keys(ACTIONS) as Action[]) {
    const a = ACTIONS[action];
    const cmd = withConnection(program.command(action)).description(a.description).argument("<node>");
    if (action !== "uncordon") cmd.option("--reason <text>", "why (shown by aidc nodes, kept in the event log)");
    cmd
      .option("--json", "print one JSON document")
      .action(async (node: string, opts: ConnectionFlags & { reason?: string; json?: boolean }) => {
        const body = action === "uncordon" ? undefined : opts.reason !== undefined ? { reason: opts.reason } : {};
        const r = await requestJson<{ node: string; cordoned: boolean; requeued?: string[] }>(
          connection(opts),
          a.method,
          `/api/v1/nodes/${encodeURIComponent(node)}/${a.path}`,
          body,
        );
        if (opts.json) return printJson(io, r);
        const requeued =
          r.requeued === undefined
            ? ""
            : `; requeued ${r.requeued.length} job(s)${r.requeued.length > 0 ? `: ${r.requeued.join(", ")}` : ""}`;
        io.out(`${r.node}\t${a.done}${requeued}\n`);
      });
  }
}
