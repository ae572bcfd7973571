import type { Command } from "commander";
import { AidcError, InvalidInputError } from "@aidc/core/errors";
import { NodeAgent, sampleLines, type AgentSample } from "@aidc/observability";
import { printTable, type Io } from "../output.js";

function positive(value: string, flag: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new InvalidInputError(`Invalid ${flag}`, [
      { code: "invalid_value", path: flag, message: `must be a positive ${integer ? "whole " : ""}number, got "${value}"` },
    ]);
  return n;
}

function show(io: Io, s: AgentSample, json: boolean): void {
  if (json) {
    // one sample a line: the format `aidc alerts replay --samples` reads
    const lines = sampleLines(s);
    if (lines.length > 0) io.out(`${lines.join("\n")}\n`);
    for (const e of s.errors) io.err(`warning: ${e}\n`);
    return;
  }
  const rows = s.samples.map((x) => {
    const labels = Object.entries(x.labels)
      .filter(([k]) => k !== "node")
      .map(([k, v]) => `${k}="${v}"`)
      .join(",");
    return [`${x.metric}${labels ? `{${labels}}` : ""}`, x.value];
  });
  io.out(`# ${new Date(s.timeMs).toISOString()} node ${s.samples[0]?.labels["node"] ?? "?"} (${s.durationMs.toFixed(1)} ms)\n`);
  printTable(io, ["series", "value"], rows);
  for (const e of s.errors) io.err(`warning: ${e}\n`);
}

/** Why a request never got an answer, in words ("connection refused"), from fetch's cause. */
export function unreachable(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as { code?: string }).code;
  const name = (e as { name?: string }).name;
  if (name === "TimeoutError" || name === "AbortError") return "no answer within 10 s";
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host name lookup failed",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    ETIMEDOUT: "connection timed out",
    UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  };
  return (code !== undefined ? words[code] : undefined) ?? cause?.message ?? (e as Error).message;
}

async function push(url: string, token: string | undefined, s: AgentSample): Promise<void> {
  const target = `${url.replace(/\/$/, "")}/api/v1/metrics/samples`;
  let res: Response;
  try {
    res = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ samples: s.samples }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new AidcError("UNREACHABLE", `cannot reach ${url}: ${unreachable(e)}`, { cause: e });
  }
  if (!res.ok) throw new AidcError("PUSH_FAILED", `Cannot push samples to ${url}: HTTP ${res.status} ${await res.text()}`);
}

export function registerAgent(program: Command, io: Io): void {
  program
    .command("agent")
    .description(
      "sample this host (CPU, memory, disks, filesystems, network, GPUs via nvidia-smi, local jobs) and print or push the samples",
    )
    .option("--interval <s>", "seconds between samples", "5")
    .option("--count <n>", "stop after n samples (default: run until interrupted)")
    .option("--node <name>", "node label (default: the host name)")
    .option("--runs-dir <dir>", "the local executor's runs directory (<data-dir>/runs) for per-job usage")
    .option("--push <url>", "POST samples to an aidc server (operator token) instead of printing them")
    .option("--token <token>", "bearer token for --push (default $AIDC_TOKEN)")
    .option("--json", 'one sample a line: {"timeMs","metric","labels","value"} (what alerts replay --samples reads)')
    .action(
      async (opts: {
        interval: string;
        count?: string;
        node?: string;
        runsDir?: string;
        push?: string;
        token?: string;
        json?: boolean;
      }) => {
        const intervalMs = positive(opts.interval, "--interval", false) * 1000;
        const count = opts.count === undefined ? Infinity : positive(opts.count, "--count", true);
        const agent = new NodeAgent({
          ...(opts.node !== undefined ? { node: opts.node } : {}),
          ...(opts.runsDir !== undefined ? { runsDir: opts.runsDir } : {}),
        });
        // CPU utilisation needs a previous reading: take one quietly before the first sample shown
        await agent.sample();
        let stop = false;
        const onSignal = (): void => void (stop = true);
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        // a reader that goes away (`| head`) ends the stream quietly
        const onPipe = (e: NodeJS.ErrnoException): void => void (e.code === "EPIPE" ? (stop = true) : undefined);
        process.stdout.on("error", onPipe);
        try {
          for (let i = 0; i < count && !stop; i++) {
            await new Promise((r) => setTimeout(r, i === 0 ? Math.min(intervalMs, 1000) : intervalMs));
            if (stop) break;
            const s = await agent.sample();
            if (opts.push !== undefined) await push(opts.push, opts.token ?? process.env["AIDC_TOKEN"], s);
            else show(io, s, opts.json === true);
          }
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          process.stdout.off("error", onPipe);
        }
      },
    );
}
