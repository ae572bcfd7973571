import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { AidcError, InvalidInputError } from "@aidc/core";
import { EXECUTORS, startServer, type ServeTlsOptions, type TlsView } from "@aidc/server";
import type { Io } from "../output.js";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidInputError("Invalid --port", [
      { code: "invalid_value", path: "--port", message: `must be a whole number from 0 to 65535, got "${value}"` },
    ]);
  }
  return n;
}

function positiveNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidInputError(`Invalid ${flag}`, [
      { code: "invalid_value", path: flag, message: `must be a positive number, got "${value}"` },
    ]);
  return n;
}

/** The master key files: `--master-key-file` (repeatable) or else AIDC_MASTER_KEY_FILE (comma-separated), with where they came from. */
export function masterKeyFiles(
  flag: readonly string[] | undefined,
  env: string | undefined,
): { files: string[]; field: string } | undefined {
  if (flag !== undefined && flag.length > 0) return { files: [...flag], field: "--master-key-file" };
  const files = (env ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  return files.length > 0 ? { files, field: "AIDC_MASTER_KEY_FILE" } : undefined;
}

function isolationMode(value: string): "auto" | "uid" | "none" {
  if (value === "auto" || value === "uid" || value === "none") return value;
  throw new InvalidInputError("Invalid --isolation", [
    { code: "invalid_value", path: "--isolation", message: `must be auto, uid or none, got "${value}"` },
  ]);
}

function replicaId(value: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(value)) return value;
  throw new InvalidInputError("Invalid --replica-id", [
    {
      code: "invalid_value",
      path: "--replica-id",
      message: `must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit, got "${value}"`,
    },
  ]);
}

/** The TLS flags as ServeTlsOptions; undefined when none is given (plain HTTP). The server checks how they combine. */
function tlsOptions(opts: {
  tlsCert?: string;
  tlsKey?: string;
  tlsSelfSigned?: boolean;
  tlsClientCa?: string;
}): ServeTlsOptions | undefined {
  const o: ServeTlsOptions = {
    ...(opts.tlsCert !== undefined ? { certFile: opts.tlsCert } : {}),
    ...(opts.tlsKey !== undefined ? { keyFile: opts.tlsKey } : {}),
    ...(opts.tlsSelfSigned === true ? { selfSigned: true } : {}),
    ...(opts.tlsClientCa !== undefined ? { clientCaFile: opts.tlsClientCa } : {}),
  };
  return Object.keys(o).length > 0 ? o : undefined;
}

/** What an operator needs to trust the server: the certificate, its fingerprint to compare, and the client's flag. */
function tlsLines(t: TlsView): string {
  const made = t.created ? "made a self-signed certificate" : t.selfSigned ? "self-signed certificate" : "certificate";
  return [
    `tls: ${made} ${t.certFile} for ${t.names.join(", ")} (valid until ${t.notAfter})`,
    `tls: SHA-256 fingerprint ${t.fingerprint256}`,
    `tls: clients trust it with --ca ${t.selfSigned ? t.certFile : "<the CA that signed it>"} (or AIDC_CA, or aidc config set-context --ca)`,
    ...(t.clientCertificates
      ? ["tls: node agents must present a client certificate signed by --tls-client-ca (aidc agent --tls-cert/--tls-key)"]
      : []),
  ].join("\n");
}

export function registerServe(program: Command, io: Io): void {
  program
    .command("serve")
    .description("run the control plane: REST API, metrics and the embedded SQLite store")
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--port <port>", "TCP port (0 = any free port)", "8080")
    .option("--data-dir <dir>", "where the store and artifacts live", ".aidc")
    .option("--cluster <file>", "cluster file to run (see examples/clusters/)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent", "info")
    .option("--log-format <format>", "human (level: message lines on stderr) | json (pino JSON lines on stdout)", "human")
    .option("--slurm-partition <name>", "the Slurm partition jobs go to, for --executor slurm (checked at start)")
    .option("--executor <name>", "where jobs run: local | slurm | sim (virtual time)", "local")
    .option("--sim-speedup <n>", "virtual seconds per real second for --executor sim", "1")
    .option("--policy <name>", "scheduling policy (aidc sim policies)", "backfill-easy")
    .option("--profile <file>", "SchedulerProfile YAML, as `aidc sim run --profile` takes (overrides --policy)")
    .option("--alerts <file>", "AlertRules file (default: the built-in node-health rules)")
    .option("--alert-webhook <url...>", "POST alert notifications (Alertmanager JSON) to these URLs")
    .option("--metrics-interval <s>", "seconds between node-agent samples (0 = no agent)", "10")
    .option("--upload-max-age <s>", "seconds an untouched resumable upload is kept before the janitor removes it", "86400")
    .option("--jobs-dir <dir>", "where local jobs get their working directories, outside --data-dir (default /var/lib/aidc-jobs as root)")
    .option("--map-users", "run each aidc user's local jobs as its own OS user aidc-u-<name> (created on demand) instead of aidc-job")
    .option(
      "--isolation <mode>",
      "local job isolation: auto (the strongest this machine allows) | uid (no bubblewrap) | none (development only)",
      "auto",
    )
    .option("--start-batch <n>", "replicas the local executor starts per batch (the event loop runs between batches)", "32")
    .option("--public-metrics", "serve /metrics without a token (for a Prometheus that cannot send one)")
    .option(
      "--store <url>",
      "store: sqlite:<path>, a file path, or postgres://user:password@host:port/db (default sqlite:<data-dir>/aidc.db)",
    )
    .option("--replica-id <id>", "this server's name among replicas sharing a store (default <hostname>-<pid>)")
    .option("--blob-dir <dir>", "artifact blobs, shared by the replicas (default <data-dir>/blobs)")
    .option("--runs-dir <dir>", "run records of the executor, shared by replicas on one host (default <data-dir>/runs)")
    .option("--tls-cert <pem>", "serve HTTPS only, with this certificate (the leaf first, then intermediates); needs --tls-key")
    .option("--tls-key <pem>", "the private key of --tls-cert (unencrypted PEM, readable only by the server's user)")
    .option(
      "--tls-self-signed",
      "serve HTTPS with a self-signed certificate made in <data-dir>/tls on the first start (prints its fingerprint)",
    )
    .option(
      "--master-key-file <path...>",
      "encrypt every new artifact blob at rest; the first key wraps new data keys, others only unwrap (default: AIDC_MASTER_KEY_FILE, comma-separated)",
    )
    .option("--tls-client-ca <pem>", "mutual TLS: node agents must present a client certificate signed by this CA to push samples")
    .action(
      async (opts: {
        host: string;
        port: string;
        dataDir: string;
        cluster?: string;
        logLevel: string;
        logFormat: string;
        slurmPartition?: string;
        executor: string;
        policy: string;
        profile?: string;
        simSpeedup: string;
        alerts?: string;
        alertWebhook?: string[];
        metricsInterval: string;
        uploadMaxAge: string;
        jobsDir?: string;
        mapUsers?: boolean;
        isolation: string;
        startBatch: string;
        publicMetrics?: boolean;
        store?: string;
        replicaId?: string;
        blobDir?: string;
        runsDir?: string;
        tlsCert?: string;
        tlsKey?: string;
        tlsSelfSigned?: boolean;
        tlsClientCa?: string;
        masterKeyFile?: string[];
      }) => {
        const executor = EXECUTORS.find((e) => e === opts.executor);
        if (executor === undefined) {
          throw new InvalidInputError("Invalid --executor", [
            { code: "invalid_value", path: "--executor", message: `must be one of ${EXECUTORS.join(", ")}` },
          ]);
        }
        const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
        const logLevel = levels.find((l) => l === opts.logLevel);
        if (logLevel === undefined) {
          throw new InvalidInputError("Invalid --log-level", [
            { code: "invalid_value", path: "--log-level", message: `must be one of ${levels.join(", ")}` },
          ]);
        }
        if (opts.logFormat !== "human" && opts.logFormat !== "json") {
          throw new InvalidInputError("Invalid --log-format", [
            { code: "invalid_value", path: "--log-format", message: `must be human or json, got "${opts.logFormat}"` },
          ]);
        }
        const tls = tlsOptions(opts);
        const keys = masterKeyFiles(opts.masterKeyFile, process.env["AIDC_MASTER_KEY_FILE"]);
        const server = await startServer({
          logFormat: opts.logFormat,
          ...(opts.slurmPartition !== undefined ? { slurm: { partition: opts.slurmPartition } } : {}),
          host: opts.host,
          port: port(opts.port),
          dataDir: opts.dataDir,
          logLevel,
          executor,
          policy: opts.policy,
          ...(opts.profile !== undefined ? { profileFile: opts.profile } : {}),
          simSpeedup: positiveNumber(opts.simSpeedup, "--sim-speedup"),
          ...(opts.cluster ? { clusterFile: opts.cluster } : {}),
          ...(opts.alerts ? { alertsFile: opts.alerts } : {}),
          ...(opts.alertWebhook ? { alertWebhooks: opts.alertWebhook } : {}),
          metricsIntervalS: opts.metricsInterval === "0" ? 0 : positiveNumber(opts.metricsInterval, "--metrics-interval"),
          uploadMaxAgeS: positiveNumber(opts.uploadMaxAge, "--upload-max-age"),
          local: {
            ...(opts.jobsDir ? { jobsDir: opts.jobsDir } : {}),
            ...(opts.mapUsers ? { mapUsers: true } : {}),
            isolation: isolationMode(opts.isolation),
            launcher: { batch: Math.ceil(positiveNumber(opts.startBatch, "--start-batch")) },
          },
          ...(opts.publicMetrics === true ? { publicMetrics: true } : {}),
          ...(opts.store !== undefined ? { store: opts.store } : {}),
          ...(opts.replicaId !== undefined ? { replicaId: replicaId(opts.replicaId) } : {}),
          ...(opts.blobDir !== undefined ? { blobDir: opts.blobDir } : {}),
          ...(opts.runsDir !== undefined ? { runsDir: opts.runsDir } : {}),
          ...(tls !== undefined ? { tls } : {}),
          ...(keys !== undefined ? { masterKeyFiles: keys.files, masterKeyField: keys.field } : {}),
        }).catch((err: unknown) => {
          // the executor cannot work here (no Slurm, controller down): bad setup, said with its reason, exit 2
          if (err instanceof AidcError && err.code === "EXECUTOR_UNAVAILABLE")
            throw new InvalidInputError(err.message, [{ code: "executor_unavailable", path: "--executor", message: err.message }]);
          throw err;
        });
        const runsOn = `executor ${server.executor.name}${server.executor.version !== undefined ? ` ${server.executor.version}` : ""}`;
        io.err(
          `aidc is listening on ${server.url} (${runsOn}; store: ${server.store.location}; replica ${server.replica.id}${server.replica.isLeader() ? ", leader" : ", follower"}; admin token in ${server.adminTokenFile})\n`,
        );
        // the token itself only reaches a person at a terminal, never a log file or a pipe
        const interactive = io.tty && process.stderr.isTTY === true;
        const token = interactive && existsSync(server.adminTokenFile) ? readFileSync(server.adminTokenFile, "utf8").trim() : undefined;
        if (token) io.err(`console, logged in as admin: ${server.url}/?token=${token}\n`);
        if (server.tls !== undefined) io.err(`${tlsLines(server.tls)}\n`);
        if (keys !== undefined) io.err(`encryption at rest: new blobs are encrypted (master key from ${keys.field})\n`);
        io.out(`${server.url}\n`);
        await new Promise<void>((resolveStop) => {
          const stop = (signal: string): void => {
            io.err(`received ${signal}, shutting down\n`);
            void server.close().then(resolveStop);
          };
          process.once("SIGINT", () => stop("SIGINT"));
          process.once("SIGTERM", () => stop("SIGTERM"));
          // SIGHUP: serve the certificate files as they are now (rotation); a bad file keeps the old certificate
          if (server.reloadTls !== undefined) {
            const reload = server.reloadTls;
            process.on("SIGHUP", () => {
              reload().then(
                (t) => io.err(`tls: reloaded ${t.certFile}; SHA-256 fingerprint ${t.fingerprint256} (valid until ${t.notAfter})\n`),
                (err: unknown) => {
                  const issues =
                    err instanceof InvalidInputError ? err.issues.map((i) => `${i.path}: ${i.message}`).join("; ") : String(err);
                  io.err(`tls: reload failed, still serving the previous certificate: ${issues}\n`);
                },
              );
            });
          }
        });
      },
    );
}
