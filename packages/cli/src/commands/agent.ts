import type { Command } from "commander";
import { AidcError, InvalidInputError } from "@aidc/core/errors";
import { NodeAgent, sampleLines, type AgentSample } from "@aidc/observability";
import { activeContext } from "../client/contexts.js";
import { exchange, tlsRefusal, tlsSettings, type Connection } from "../client/http.js";
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

/**
 * POST one round of samples. Over https:// the server is verified against the CA (global --ca, AIDC_CA) and,
 * with --tls-cert/--tls-key, the agent presents its client certificate (servers started with --tls-client-ca
 * require one on this route); an untrusted server is refused before the token is sent.
 */
async function push(conn: Connection, s: AgentSample): Promise<void> {
  let res: Response;
  try {
    res = await exchange(conn, "POST", "/api/v1/metrics/samples", { json: { samples: s.samples } }, 10_000);
  } catch (e) {
    throw (await tlsRefusal(conn, e)) ?? new AidcError("UNREACHABLE", `cannot reach ${conn.url}: ${unreachable(e)}`, { cause: e });
  }
  if (res.ok) return;
  const text = await res.text();
  let said = text;
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (e?.code !== undefined) said = `${e.code}: ${e.message ?? ""}`;
  } catch {
    // not JSON: the text as it is
  }
  throw new AidcError("PUSH_FAILED", `Cannot push samples to ${conn.url}: HTTP ${res.status} ${said}`);
}

/** The current context's CA, when --push names that context's server (a CA is never lent to another server). */
function contextCaFor(url: string): string | undefined {
  const ctx = activeContext();
  return ctx !== undefined && ctx.server.replace(/\/+$/, "") === url.replace(/\/+$/, "") ? ctx.ca : undefined;
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
    .option(
      "--push <url>",
      "POST samples to an aidc server (operator token) instead of printing them; https:// is verified against --ca <pem>, AIDC_CA or the context's ca",
    )
    .option("--token <token>", "bearer token for --push (default $AIDC_TOKEN)")
    .option("--tls-cert <pem>", "client certificate for --push to a server that requires one (aidc serve --tls-client-ca)")
    .option("--tls-key <pem>", "the private key of --tls-cert")
    .option("--json", 'one sample a line: {"timeMs","metric","labels","value"} (what alerts replay --samples reads)')
    .action(
      async (opts: {
        interval: string;
        count?: string;
        node?: string;
        runsDir?: string;
        push?: string;
        token?: string;
        tlsCert?: string;
        tlsKey?: string;
        json?: boolean;
      }) => {
        const intervalMs = positive(opts.interval, "--interval", false) * 1000;
        const count = opts.count === undefined ? Infinity : positive(opts.count, "--count", true);
        if (opts.push === undefined && (opts.tlsCert !== undefined || opts.tlsKey !== undefined))
          throw new InvalidInputError("--tls-cert/--tls-key need --push", [
            {
              code: "requires_push",
              path: opts.tlsCert !== undefined ? "--tls-cert" : "--tls-key",
              message: "a client certificate is for --push",
            },
          ]);
        if (opts.push !== undefined && !/^https:/i.test(opts.push) && (opts.tlsCert !== undefined || opts.tlsKey !== undefined))
          throw new InvalidInputError("--tls-cert/--tls-key need an https:// --push URL", [
            { code: "requires_https", path: "--push", message: `a client certificate is presented only over TLS; got ${opts.push}` },
          ]);
        // the certificate files are read (and a half pair refused) before the first sample
        const token = opts.token ?? process.env["AIDC_TOKEN"];
        const conn: Connection | undefined =
          opts.push === undefined
            ? undefined
            : {
                url: opts.push.replace(/\/+$/, ""),
                ...(token ? { token } : {}),
                ...tlsSettings(
                  {
                    ...(opts.tlsCert !== undefined ? { cert: opts.tlsCert } : {}),
                    ...(opts.tlsKey !== undefined ? { key: opts.tlsKey } : {}),
                  },
                  process.env,
                  contextCaFor(opts.push),
                ),
              };
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
            if (conn !== undefined) await push(conn, s);
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
