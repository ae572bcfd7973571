import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Gauge, type Registry } from "prom-client";
import type { Executor } from "@aidc/core";
import type { Fence, Store } from "../store/port.js";
import { LeaderElector, REPLICA_PREFIX, SCHEDULER_LEASE, type ElectorOptions } from "./elector.js";
import { guardExecutor } from "./guarded-executor.js";

/** Separates a replica's id from its process's random suffix in the scheduler lease's holder name. */
const INCARNATION = "#";

/** The replica id in a scheduler lease holder name `<id>#<random>`. */
export function replicaOf(holder: string): string {
  const i = holder.lastIndexOf(INCARNATION);
  return i < 0 ? holder : holder.slice(0, i);
}

/** `<hostname>-<pid>`: unique among the processes that share a store. */
export function defaultReplicaId(): string {
  return `${hostname().replace(/[^A-Za-z0-9_.-]/g, "-") || "localhost"}-${process.pid}`;
}

/** What one leadership term runs (the scheduling loop, reconciliation, alert firing); stopped when the term ends. */
export interface Term {
  stop(): Promise<void>;
}

/** A replica as `aidc status` shows it. */
export interface ReplicaView {
  readonly id: string;
  readonly leader: boolean;
  /** When its heartbeat lease runs out (the store's clock). */
  readonly heartbeatExpiresAtMs: number;
  /** Its heartbeat is current. */
  readonly alive: boolean;
}

export interface ReplicaStatus {
  /** The replica that answered. */
  readonly replica: string;
  readonly leader: { readonly replica: string; readonly token: number; readonly expiresAtMs: number } | null;
  readonly replicas: readonly ReplicaView[];
}

/** What routes know of the replica they run in (ServerContext.replica). */
export interface ReplicaInfo {
  readonly id: string;
  /** This replica runs the scheduling loop now. */
  isLeader(): boolean;
  status(): Promise<ReplicaStatus>;
}

export interface ReplicaOptions {
  readonly store: Store;
  readonly replicaId: string;
  readonly executor: Executor;
  /** The server's metrics registry: gains `aidc_leader{replica}`. */
  readonly registry: Registry;
  readonly log: { info(msg: string): void; warn(msg: string): void };
  /** Start what a leader runs, writing with `fence` and acting through `executor` (guarded: refuses once the term ended). */
  readonly startTerm: (term: { readonly fence: Fence; readonly executor: Executor }) => Promise<Term>;
  /** Lease timings (tests shorten them). */
  readonly timing?: Pick<ElectorOptions, "ttlMs" | "renewMs" | "retryMs" | "heartbeatTtlMs">;
  readonly now?: () => number;
}

/**
 * One `aidc serve` among replicas on a shared store: every replica serves the API; the one that holds
 * the scheduler lease runs a term (startTerm) until it loses the lease or stops. A term's store
 * writes carry its fence and its executor actions pass the elector's check, so an old term cannot act.
 */
export class Replica implements ReplicaInfo {
  readonly id: string;
  private readonly elector: LeaderElector;
  private readonly gauge: Gauge<"replica">;
  private term: Promise<Term | undefined> | undefined;

  constructor(private readonly o: ReplicaOptions) {
    this.id = o.replicaId;
    this.gauge = new Gauge({
      name: "aidc_leader",
      help: "1 when this replica holds the scheduler lease (runs scheduling, reconciliation and alerts), else 0",
      labelNames: ["replica"],
      registers: [o.registry],
    });
    this.gauge.set({ replica: this.id }, 0);
    this.elector = new LeaderElector({
      leases: o.store.leases,
      replicaId: o.replicaId,
      holder: `${o.replicaId}${INCARNATION}${randomBytes(4).toString("hex")}`,
      ...o.timing,
      log: o.log,
      onElected: async (fence) => {
        const executor = guardExecutor(o.executor, () => this.elector.assertLeading(fence));
        this.term = o.startTerm({ fence, executor });
        await this.term; // a failure ends the term (the elector demotes and releases)
        this.gauge.set({ replica: this.id }, 1);
      },
      onDemoted: async () => {
        this.gauge.set({ replica: this.id }, 0);
        const term = this.term;
        this.term = undefined;
        await (await term?.catch(() => undefined))?.stop();
      },
    });
  }

  /** Join the election; resolves once the first attempt is over (a replica that won runs its term already). */
  start(): Promise<void> {
    return this.elector.start();
  }

  /** End the term (if leading) and give the lease up, so another replica takes over at once. */
  async stop(): Promise<void> {
    await this.elector.stop();
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  /** The current fence while leading (for tests and diagnostics). */
  get fence(): Fence | undefined {
    return this.elector.fence;
  }

  async status(): Promise<ReplicaStatus> {
    const now = (this.o.now ?? Date.now)();
    const [lease, beats] = await Promise.all([this.o.store.leases.current(SCHEDULER_LEASE), this.o.store.leases.list(REPLICA_PREFIX)]);
    const leading = lease !== undefined && lease.expiresAtMs > now ? { ...lease, replica: replicaOf(lease.holder) } : undefined;
    return {
      replica: this.id,
      leader: leading ? { replica: leading.replica, token: leading.token, expiresAtMs: leading.expiresAtMs } : null,
      replicas: beats.map((b) => ({
        id: b.holder,
        leader: b.holder === leading?.replica,
        heartbeatExpiresAtMs: b.expiresAtMs,
        alive: b.expiresAtMs > now,
      })),
    };
  }
}
