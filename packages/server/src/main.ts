import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import { defaultCatalog, type Executor } from "@aidc/core";
import { buildApp } from "./app.js";
import { privateDataDir } from "./data-dir.js";
import type { ServerContext } from "./context.js";
import { ServerMetrics } from "./metrics.js";
import { BlobStore } from "./artifacts/blobs.js";
import { Keyring } from "./artifacts/crypto/master.js";
import { startJanitor } from "./artifacts/janitor.js";
import { ServedModels } from "./artifacts/served.js";
import { UploadSessions } from "./artifacts/uploads.js";
import { LocalExecutor } from "./executors/local.js";
import { SimExecutor } from "./executors/sim.js";
import { SlurmExecutor } from "./executors/slurm.js";
import { slurmPreflight } from "./executors/slurm-preflight.js";
import { slurmForServe } from "./executors/slurm-sync.js";
import { loggerOptions } from "./log-format.js";
import { SchedulingLoop } from "./loop/scheduling.js";
import { defaultReplicaId, Replica, type Term } from "./leader/replica.js";
import { twinFor } from "./twin/live.js";
import { gpusOf } from "./twin/predict.js";
import type { JobRecord } from "./store/jobs.js";
import { registerModel, workloadCommand } from "./workloads/run.js";
import { materializeDataset } from "./governance/dataset-input.js";
import { FederatedService } from "./federated/service.js";
import { startRetentionSweeps } from "./governance/retention.js";
import { defaultStoreUrl, openStore } from "./store/open.js";
import type { Fence } from "./store/port.js";
import { loadAlertRules } from "./observe/rules.js";
import { ObserveService } from "./observe/service.js";
import { prepareTls, reloadTls, type TlsView } from "./tls/setup.js";

import { loadClusterFile, loadProfile, localCluster, type RunningServer, type ServeOptions } from "./serve-setup.js";

export { EXECUTORS, loadClusterFile, localCluster, type RunningServer, type ServeOptions } from "./serve-setup.js";

/**
 * The composition root: real clock, real files. Opens the store, loads the cluster, builds the
 * app and listens. `close()` stops accepting requests, drains them and closes the store.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const catalog = defaultCatalog();
  const loaded = options.clusterFile === undefined ? undefined : loadClusterFile(options.clusterFile, catalog);
  const alertRules = loadAlertRules(options.alertsFile);
  // Slurm must answer before anything is opened: a server that cannot run a job refuses to start
  const slurm = options.executor === "slurm" ? await slurmPreflight(options.slurm) : undefined;
  // on Slurm without a cluster file, the cluster is Slurm's own (nodes, CPUs, memory, GPUs by gres type, partitions)
  const fromSlurm =
    options.executor === "slurm"
      ? await slurmForServe(catalog, loaded?.model, {
          ...(options.slurm?.timeoutS !== undefined ? { timeoutS: options.slurm.timeoutS } : {}),
          ...(options.slurm?.env ? { env: options.slurm.env } : {}),
          ...(options.slurm?.partition !== undefined ? { partition: options.slurm.partition } : {}),
        })
      : undefined;
  const cluster = fromSlurm?.cluster?.model ?? loaded?.model ?? localCluster();
  const profile = loadProfile(options, cluster);
  privateDataDir(options.dataDir);
  // the certificate is checked (or the self-signed one made) before the store opens: bad TLS files change nothing
  const tls = options.tls !== undefined ? await prepareTls(options.tls, resolve(options.dataDir), options.host) : undefined;
  // like the certificate, the master keys are read before the store opens: a bad key file changes nothing
  const keyring =
    options.masterKeyFiles !== undefined && options.masterKeyFiles.length > 0
      ? Keyring.fromFiles(options.masterKeyFiles, options.masterKeyField)
      : undefined;
  const replicaId = options.replicaId ?? defaultReplicaId();
  const store = await openStore(options.store ?? defaultStoreUrl(resolve(options.dataDir)), {
    dataDir: resolve(options.dataDir),
    replicaId,
  });
  let shuttingDown = false;
  const metrics = new ServerMetrics();
  const adminTokenFile = join(resolve(options.dataDir), "admin-token");
  if ((await store.tokens.count()) === 0) {
    // first start: an admin token only the owner of the data directory can read
    writeFileSync(adminTokenFile, `${await store.tokens.create("admin", "admin", Date.now())}\n`, { mode: 0o600 });
  }
  const runsDir = options.runsDir !== undefined ? resolve(options.runsDir) : join(resolve(options.dataDir), "runs");
  const executor =
    options.executor === "slurm"
      ? new SlurmExecutor({
          runsDir,
          ...(options.local?.jobsDir ? { jobsDir: options.local.jobsDir } : {}),
          ...(options.slurm?.partition !== undefined ? { partition: options.slurm.partition } : {}),
          ...fromSlurm?.executor,
        })
      : options.executor === "sim"
        ? new SimExecutor({ runsDir, speedup: options.simSpeedup ?? 1 })
        : new LocalExecutor({
            ...options.local,
            runsDir,
            dataDir: resolve(options.dataDir),
            workloadCommand: (job) => workloadCommand(job),
            // a dataset input is checked, audited and copied into the job's dir (ctx exists by the time a job starts)
            // a federated site job also gets its round's config and the global model (federated/service.ts)
            prepareWorkload: async (run) => {
              await materializeDataset({ store, blobs: ctx.blobs, now: () => Date.now() }, run);
              federated?.prepare(run);
            },
          });
  let loop: SchedulingLoop | undefined;
  let app: FastifyInstance | undefined;
  // only the replica that holds the scheduler lease runs the loop (a new one per term), reconciles and fires alerts
  let startTerm: ((fence: Fence, termExecutor: Executor) => Promise<Term>) | undefined;
  const replica = new Replica({
    store,
    replicaId,
    executor,
    registry: metrics.registry,
    log: { info: (msg) => app?.log.info(msg), warn: (msg) => app?.log.warn(msg) },
    ...(options.lease ? { timing: options.lease } : {}),
    startTerm: async (t) => {
      if (startTerm === undefined) throw new Error("the server is not started yet");
      return startTerm(t.fence, t.executor);
    },
  });
  // the loop exists only once the app is built; until then nothing is assumed
  const freeGpus = (): Map<string, number> => (loop ? loop.freeGpus() : new Map());
  const drain = async (node: string): Promise<string[]> => (loop ? loop.drain(node) : []);
  const metricsIntervalS = options.metricsIntervalS ?? 10;
  const observe =
    metricsIntervalS > 0
      ? new ObserveService(
          {
            store,
            cluster,
            registry: metrics.registry,
            now: () => Date.now(),
            freeGpus,
            drain,
            warn: (msg) => app?.log.warn(msg),
            firing: () => replica.isLeader(),
          },
          {
            dbPath: join(resolve(options.dataDir), "metrics.db"),
            intervalS: metricsIntervalS,
            rules: alertRules,
            ...(executor.name === "local" ? { runsDir } : {}),
            ...(options.alertWebhooks ? { webhooks: options.alertWebhooks } : {}),
          },
        )
      : undefined;
  const federated =
    executor instanceof LocalExecutor
      ? new FederatedService({
          store,
          blobs: () => ctx.blobs,
          dir: join(resolve(options.dataDir), "federated"),
          modelsDir: join(resolve(options.dataDir), "models"),
          now: () => Date.now(),
          onJobsChanged: () => loop?.poke(),
          isLeader: () => replica.isLeader(),
        })
      : undefined;
  const ctx: ServerContext = {
    store,
    modelsDir: join(resolve(options.dataDir), "models"),
    blobs: new BlobStore(options.blobDir !== undefined ? resolve(options.blobDir) : join(resolve(options.dataDir), "blobs"), {
      keys: store.dataKeys,
      keyring,
    }),
    catalog,
    cluster,
    metrics,
    now: () => Date.now(),
    shuttingDown: () => shuttingDown,
    onJobsChanged: () => loop?.poke(),
    replica,
    policy: profile.value.name,
    executor,
    explain: (jobId) => loop?.explain(jobId),
    twinView: () => loop?.twinView(),
    profile: profile.value,
    freeGpus,
    drain,
    ...(observe ? { observe } : {}),
    ...(federated ? { federated } : {}),
  };
  if (loaded !== undefined && options.clusterFile !== undefined) {
    await store.nodes.saveCluster(loaded.spec, resolve(options.clusterFile), ctx.now());
    metrics.setCluster(loaded.model);
  } else if (fromSlurm?.cluster !== undefined) {
    await store.nodes.saveCluster(fromSlurm.cluster.spec, "slurm", ctx.now());
    metrics.setCluster(fromSlurm.cluster.model);
  }
  try {
    app = await buildApp(ctx, {
      logger: loggerOptions(options.logLevel ?? "info", options.logFormat ?? "json"),
      publicMetrics: options.publicMetrics === true,
      ...(options.rateLimitPerS !== undefined ? { rateLimitPerS: options.rateLimitPerS } : {}),
      internalPaths: [resolve(options.dataDir), ...(options.clusterFile !== undefined ? [resolve(options.clusterFile)] : [])],
      ...(tls ? { https: tls.https } : {}),
    });
    const onSucceeded = async (job: JobRecord, runId: string): Promise<void> => {
      if (!(executor instanceof LocalExecutor)) return;
      // a federated site job hands back its update (only that leaves its work dir)
      await federated?.collect(job, executor.workDir(runId)).catch(async (err: unknown) => {
        await store.events.insert(ctx.now(), "federated.refused", `job/${job.id}`, { message: (err as Error).message });
      });
      try {
        const made = await registerModel({ store, blobs: ctx.blobs, modelsDir: ctx.modelsDir, now: ctx.now }, job, executor.workDir(runId));
        if (made) await store.events.insert(ctx.now(), "model.registered", `job/${job.id}`, { ...made });
      } catch (err) {
        await store.events.insert(ctx.now(), "model.refused", `job/${job.id}`, { message: (err as Error).message });
        throw err;
      }
    };
    const appLog = app.log;
    const newLoop = (fence: Fence, termExecutor: Executor): SchedulingLoop =>
      new SchedulingLoop({
        onSucceeded,
        jobs: store.jobs,
        events: store.events,
        cordons: () => store.nodes.cordons(),
        executor: termExecutor,
        fence: () => fence,
        cluster,
        profile: profile.value,
        now: ctx.now,
        canonicalGpuType: (name) => {
          const r = catalog.lookup(name, "Accelerator");
          return r.found ? r.item.id : name;
        },
        log: appLog,
        afterPass: () => twinFor(ctx).poke(),
        onPass: (seconds, pending) => metrics.schedulingPass(seconds, pending),
        // SJF, SRTF and backfill order by the same predicted run time the forecasts use
        estimateS: (job) => twinFor(ctx).predictor.predict(job, gpusOf(job.spec)).p50S,
      });
    // followers' submissions reach the leader's loop by polling (PostgreSQL: every 500 ms at most)
    const tickMs = store.backend === "postgres" ? Math.min(options.tickMs ?? 1000, 500) : (options.tickMs ?? 1000);
    startTerm = async (fence, termExecutor) => {
      const term = newLoop(fence, termExecutor);
      loop = term;
      await term.start(tickMs);
      // the leader keeps cordons in step with Slurm's node states (drained/down → cordoned with Slurm's reason)
      const sync = fromSlurm?.startSync({ nodes: store.nodes, now: ctx.now, onChange: () => term.poke(), warn: (m) => app?.log.warn(m) });
      return {
        stop: async () => {
          await sync?.stop();
          await term.stop();
          if (loop === term) loop = undefined;
        },
      };
    };
    await app.listen({ host: options.host, port: options.port });
  } catch (err) {
    await observe?.stop();
    await store.close();
    throw err;
  }
  const isolation = executor instanceof LocalExecutor ? executor.isolation : undefined;
  if (isolation) metrics.setIsolation(isolation.level);
  for (const warning of fromSlurm?.warnings ?? []) app.log.warn(`slurm: ${warning}`);
  for (const warning of tls?.warnings ?? []) app.log.warn(`tls: ${warning}`);
  if (isolation && isolation.level !== "bwrap+uid")
    app.log.warn(`job isolation is "${isolation.level}": ${isolation.reason} (see docs/security.md)`);
  await store.events.insert(ctx.now(), "server.started", "server", {
    host: options.host,
    port: options.port,
    executor: executor.name,
    ...(slurm ? { slurmVersion: slurm.version } : {}),
    ...(isolation ? { isolation: isolation.level } : {}),
    ...(tls ? { tls: { fingerprint256: tls.view.fingerprint256, clientCertificates: tls.view.clientCertificates } } : {}),
  });
  await replica.start();
  observe?.start();
  federated?.start(); // drives federated runs round by round on the leading replica
  const janitor = await startJanitor({
    sessions: new UploadSessions(store, ctx.blobs),
    served: new ServedModels(store, ctx.modelsDir),
    now: ctx.now,
    ...(options.uploadMaxAgeS !== undefined ? { uploadMaxAgeMs: options.uploadMaxAgeS * 1000 } : {}),
    warn: (msg) => app?.log.warn(msg),
  });
  // projects' retention rules (governance/retention.ts), applied hourly by the leading replica
  const retention = startRetentionSweeps({
    store,
    blobs: ctx.blobs,
    now: ctx.now,
    leads: () => replica.isLeader(),
    warn: (msg) => app?.log.warn(msg),
  });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  // the certificate served now (a reload replaces it)
  let tlsView = tls?.view;
  const tlsServer = app.server as unknown as TlsServer;
  const appLog = app.log;
  return {
    url: `${tls ? "https" : "http"}://${host}:${port}`,
    app,
    store,
    replica,
    adminTokenFile,
    executor: { name: executor.name, ...(slurm ? { version: slurm.version } : {}) },
    get tls() {
      return tlsView;
    },
    ...(tls && options.tls
      ? {
          reloadTls: async (): Promise<TlsView> => {
            const next = await reloadTls(tlsServer, options.tls ?? {}, resolve(options.dataDir), options.host);
            for (const warning of next.warnings) appLog.warn(`tls: ${warning}`);
            tlsView = next.view;
            return next.view;
          },
        }
      : {}),
    close: () => {
      closing ??= (async () => {
        shuttingDown = true;
        janitor.stop();
        retention.stop();
        federated?.stop();
        await replica.stop();
        await app.close();
        await observe?.stop();
        await store.events.insert(ctx.now(), "server.stopped", "server");
        await store.close();
      })();
      return closing;
    },
  };
}
