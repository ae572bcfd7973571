import { FencedError } from "../store/fence.js";
import type { Fence, LeaseStore } from "../store/port.js";

/** The lease the scheduling replica holds. */
export const SCHEDULER_LEASE = "scheduler";
/** Every replica renews its own lease `replica/<id>` (a heartbeat `aidc status` lists). */
export const REPLICA_PREFIX = "replica/";

export interface ElectorOptions {
  readonly leases: LeaseStore;
  /** This replica's id: the holder of its heartbeat lease. */
  readonly replicaId: string;
  /**
   * The scheduler lease's holder name (default replicaId). Give each process its own (e.g. `<id>#<random>`):
   * a restarted replica with the same id must start a new term, never continue its predecessor's token.
   */
  readonly holder?: string;
  readonly lease?: string;
  /** How long a lease lasts without renewal (default 3000 ms): the longest a dead leader blocks a takeover. */
  readonly ttlMs?: number;
  /** How often the leader renews (default 1000 ms). */
  readonly renewMs?: number;
  /** How often a follower tries to take the lease (default 250 ms). */
  readonly retryMs?: number;
  /** Lifetime of the replica heartbeat lease (default 15000 ms). */
  readonly heartbeatTtlMs?: number;
  /** A new term begins: this replica leads with this fence (awaited before the next renewal). */
  readonly onElected: (fence: Fence) => Promise<void> | void;
  /** The term ended (the lease was taken or released, or stop()): stop acting at once. */
  readonly onDemoted: (fence: Fence, reason: string) => Promise<void> | void;
  readonly log?: { info(msg: string): void; warn(msg: string): void };
  /** A monotonic clock in ms (default performance.now(): it keeps running while the process is stopped). */
  readonly monotonic?: () => number;
}

/**
 * Leader election over a LeaseStore. A follower tries to take the lease every retryMs; the leader
 * renews it every renewMs. The leader counts its term as valid only until (send time of the last
 * successful acquire/renew) + ttl − margin on its own monotonic clock, which ends before the store's
 * expiry: a leader that was paused (SIGSTOP, a long GC, a blocked event loop) or cut off stops acting
 * before anyone else can take the lease over, and the store's fence check refuses whatever slips
 * through. Its next renewal decides: the lease taken → the term ends (onDemoted); still its own (nobody
 * took it meanwhile, so no other term began) → the same term goes on.
 */
export class LeaderElector {
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private readonly heartbeatTtlMs: number;
  private readonly lease: string;
  private readonly mono: () => number;
  private term: Fence | undefined;
  private validUntil = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private stepping: Promise<void> | undefined;
  private stopped = true;
  /** Callbacks run one after another (an election never overlaps the demotion before it). */
  private callbacks: Promise<void> = Promise.resolve();
  private lastHeartbeat = -Infinity;
  private releasing: Promise<void> = Promise.resolve();
  private first: Promise<void> = Promise.resolve();
  private firstDone: (() => void) | undefined;

  constructor(private readonly o: ElectorOptions) {
    this.ttlMs = o.ttlMs ?? 3000;
    this.renewMs = o.renewMs ?? 1000;
    this.retryMs = o.retryMs ?? 250;
    this.heartbeatTtlMs = o.heartbeatTtlMs ?? 15_000;
    this.lease = o.lease ?? SCHEDULER_LEASE;
    this.mono = o.monotonic ?? (() => performance.now());
    if (!(this.renewMs < this.ttlMs / 2)) throw new RangeError(`renewMs (${this.renewMs}) must be under half of ttlMs (${this.ttlMs})`);
  }

  get replicaId(): string {
    return this.o.replicaId;
  }

  /** The current term's fence while this replica leads. */
  get fence(): Fence | undefined {
    return this.isLeader() ? this.term : undefined;
  }

  /** True while this replica leads and its term is still valid by its own clock. */
  isLeader(): boolean {
    return this.term !== undefined && this.mono() < this.validUntil;
  }

  /** Throws FencedError unless `fence`'s term is the current one and still valid (guards executor actions). */
  assertLeading(fence: Fence): void {
    if (this.term?.token !== fence.token || !this.isLeader()) throw new FencedError(fence);
  }

  /** Start electing; resolves once the first attempt is over (and, if it won, the term has started). */
  start(): Promise<void> {
    if (!this.stopped) return this.first;
    this.stopped = false;
    this.first = new Promise((resolve) => (this.firstDone = resolve));
    this.schedule(0);
    return this.first;
  }

  /** Stop trying; a leader ends its term (onDemoted) and releases the lease so a follower takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.stepping;
    this.demote("stopping");
    await this.callbacks;
    await this.releasing;
    this.firstDone?.();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.stepping = this.step()
        .catch((err: unknown) => this.o.log?.warn(`leader election step failed: ${(err as Error).message}`))
        .finally(() => {
          const done = this.firstDone;
          this.firstDone = undefined;
          if (done) void this.callbacks.then(done);
          this.stepping = undefined;
          this.schedule(this.term !== undefined ? this.renewMs : this.retryMs);
        });
    }, ms);
  }

  private async step(): Promise<void> {
    await this.heartbeat();
    const sentAt = this.mono();
    const term = this.term;
    if (term !== undefined) {
      let held: boolean | undefined;
      try {
        held = await this.o.leases.renew(term, this.ttlMs);
      } catch (err) {
        this.o.log?.warn(`cannot renew the ${this.lease} lease: ${(err as Error).message}`);
      }
      if (this.term !== term) return; // stopped meanwhile
      // renewed: the term goes on (after a pause it acts again only now); lost: the term is over. A renewal
      // that failed (store unreachable) changes nothing: past its deadline the term stays suspended (no
      // executor action, writes refused) until a renewal succeeds or finds the lease taken.
      if (held === true) this.extend(sentAt);
      else if (held === false) this.demote("the lease was lost");
      return;
    }
    await this.releasing;
    let fence: Fence | undefined;
    try {
      fence = await this.o.leases.acquire(this.lease, this.o.holder ?? this.o.replicaId, this.ttlMs);
    } catch (err) {
      this.o.log?.warn(`cannot reach the store to take the ${this.lease} lease: ${(err as Error).message}`);
    }
    if (fence === undefined || this.stopped) {
      if (fence !== undefined) await this.o.leases.release(fence).catch(() => undefined);
      return;
    }
    this.term = fence;
    this.extend(sentAt);
    this.o.log?.info(`replica ${this.o.replicaId} leads (lease ${this.lease}, token ${fence.token})`);
    // not awaited: renewals go on while the new leader recovers (a recovery longer than the lease must not lose it)
    this.enqueue(async () => {
      if (this.term !== fence) return;
      try {
        await this.o.onElected(fence);
      } catch (err) {
        this.o.log?.warn(`replica ${this.o.replicaId} could not start leading: ${(err as Error).message}`);
        if (this.term === fence) {
          this.demote("starting the term failed");
          await this.o.leases.release(fence).catch(() => undefined);
        }
      }
    });
  }

  private enqueue(fn: () => Promise<void>): void {
    this.callbacks = this.callbacks.then(fn).catch((err: unknown) => this.o.log?.warn(`leader callback failed: ${(err as Error).message}`));
  }

  /** The replica's own heartbeat lease, renewed at most every second. */
  private async heartbeat(): Promise<void> {
    const now = this.mono();
    if (now - this.lastHeartbeat < Math.min(1000, this.heartbeatTtlMs / 3)) return;
    this.lastHeartbeat = now;
    await this.o.leases.acquire(`${REPLICA_PREFIX}${this.o.replicaId}`, this.o.replicaId, this.heartbeatTtlMs).catch(() => undefined);
  }

  /** A successful acquire or renew sent at `sentAt`: the term is valid a margin before the store's expiry. */
  private extend(sentAt: number): void {
    const margin = Math.min(1000, this.ttlMs / 5);
    this.validUntil = sentAt + this.ttlMs - margin;
  }

  private demote(reason: string): void {
    const term = this.term;
    if (term === undefined) return;
    this.term = undefined;
    this.validUntil = -Infinity;
    this.o.log?.warn(`replica ${this.o.replicaId} no longer leads (token ${term.token}): ${reason}`);
    // give the lease up if the store still has it, so the next term (here or elsewhere) gets a new token
    this.releasing = this.o.leases.release(term).catch(() => undefined);
    this.enqueue(async () => {
      await this.o.onDemoted(term, reason);
    });
  }
}
