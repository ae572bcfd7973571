import { Writable } from "node:stream";
import type { LoggerOptions } from "pino";

const LEVELS: Readonly<Record<number, string>> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

/** Lines that say what `aidc serve` already told the person in its own startup line. */
const SAID_BY_THE_CLI = /^Server listening at /;

/**
 * A destination for the server's pino logger that writes lines a person reads (`warn: job
 * isolation is "none": …`, with the error's message when there is one) instead of JSON: what
 * `aidc serve` (and `npm start`) print at a terminal. `--log-format json` keeps pino's JSON.
 */
export function humanLogStream(write: (line: string) => void): Writable {
  let pending = "";
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        const text = humanLine(line);
        if (text !== undefined) write(`${text}\n`);
      }
      done();
    },
  });
}

/** One pino JSON line as text, or undefined when it is not worth a line. */
export function humanLine(json: string): string | undefined {
  let entry: { level?: number; msg?: string; err?: { message?: string } };
  try {
    entry = JSON.parse(json) as typeof entry;
  } catch {
    return json.trim() === "" ? undefined : json;
  }
  const msg = entry.msg ?? "";
  if (SAID_BY_THE_CLI.test(msg)) return undefined;
  const level = LEVELS[entry.level ?? 30] ?? "info";
  const cause = entry.err?.message !== undefined && !msg.includes(entry.err.message) ? `: ${entry.err.message}` : "";
  return `${level}: ${msg}${cause}`;
}

/** The server's logger: pino JSON on stdout, or human lines on stderr (Fastify takes the stream with the options). */
export function loggerOptions(level: string, format: "json" | "human"): LoggerOptions {
  if (format === "json") return { level };
  return { level, stream: humanLogStream((line) => process.stderr.write(line)) } as LoggerOptions;
}
