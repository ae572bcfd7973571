import type { AidcError, Cluster, JobEvent, JobSpec, JobState, Placement } from "@aidc/core";
import type { AdmissionLimits, JobFilter, JobRecord } from "./jobs.js";
import type { ArtifactStores } from "./port-artifacts.js";
import type { GovernanceStores } from "./port-governance.js";
import type { DataKeyStore } from "./port-keys.js";
import type { Principal, Role } from "./tokens.js";

/**
 * The store port: everything the server persists, behind async interfaces, so the embedded SQLite
 * file and a shared PostgreSQL database are interchangeable (chosen by URL in store/open.ts). Every
 * method that changes state runs in one transaction together with the event row that records it.
 * The contract suite (store/contract/*.ts) runs the same tests against both backends.
 */
export interface Store extends ArtifactStores {
  readonly backend: "sqlite" | "postgres";
  /** Where the store lives, without credentials (for logs and `aidc status`). */
  readonly location: string;
  readonly jobs: JobStore;
  readonly events: EventStore;
  readonly tokens: TokenStore;
  readonly nodes: NodeStore;
  readonly leases: LeaseStore;
  /** The audit log, project permissions and retention rules (store/port-governance.ts). */
  readonly governance: GovernanceStores;
  /** Wrapped data keys of encrypted blobs (store/port-keys.ts). */
  readonly dataKeys: DataKeyStore;
  /** Applied migration versions, oldest first. */
  appliedVersions(): Promise<number[]>;
  /** True when the database answers a trivial query (for /readyz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Proof that the caller holds a lease (the scheduler's leadership). A write that carries a fence is
 * refused with FencedError unless, inside its own transaction, the lease row still names this holder
 * with this token and has not expired: a paused or partitioned old leader cannot act after losing it.
 */
export interface Fence {
  readonly lease: string;
  readonly holder: string;
  readonly token: number;
}

export interface StoredEvent {
  readonly id: number;
  readonly atMs: number;
  readonly type: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
}

export interface JobStore {
  countsByState(): Promise<Map<string, number>>;
  succeeded(limit: number, afterMs?: number): Promise<{ id: string; finishedAtMs: number | undefined }[]>;
  pendingByQueue(): Promise<Map<string, number>>;
  submit(
    spec: JobSpec,
    user: string,
    nowMs: number,
    idempotencyKey?: string,
    limits?: AdmissionLimits,
  ): Promise<{ job: JobRecord; created: boolean }>;
  waiting(user: string, queue?: string): Promise<number>;
  latestStates(user: string, names: readonly string[]): Promise<Map<string, JobState>>;
  get(id: string): Promise<JobRecord | undefined>;
  require(id: string): Promise<JobRecord>;
  list(filter?: JobFilter): Promise<JobRecord[]>;
  apply(
    id: string,
    event: JobEvent,
    nowMs: number,
    details?: { exitCode?: number; message?: string; runId?: string; placement?: Placement },
    fence?: Fence,
  ): Promise<JobRecord>;
  /**
   * Several lifecycle events in ONE transaction with one fence check (a scheduling pass's admits or
   * starts), in order. A change the state machine forbids or whose job is gone is refused alone (its
   * outcome carries the IllegalTransitionError/NotFoundError); the others are made. A failed fence
   * refuses all (FencedError).
   */
  applyMany(changes: readonly JobChange[], nowMs: number, fence?: Fence): Promise<ApplyOutcome[]>;
}

export interface JobChange {
  readonly id: string;
  readonly event: JobEvent;
  readonly details?: { exitCode?: number; message?: string; runId?: string; placement?: Placement };
}

/** What became of one change of applyMany: the job after it, or why it was refused. */
export type ApplyOutcome = { readonly job: JobRecord } | { readonly error: AidcError };

export interface EventStore {
  insert(atMs: number, type: string, subject: string, data?: Record<string, unknown>): Promise<number>;
  /** Newest first; with `beforeId`, only events older than it (paging). */
  list(limit: number, o?: { subject?: string; beforeId?: number }): Promise<StoredEvent[]>;
}

export interface TokenStore {
  create(user: string, role: Role, nowMs: number): Promise<string>;
  /** The principal a token stands for, or undefined for an unknown or revoked token. */
  verify(token: string): Promise<Principal | undefined>;
  count(): Promise<number>;
}

export interface NodeStore {
  /** Record the cluster the server runs on, with an event, in one transaction. */
  saveCluster(cluster: Cluster, source: string, atMs: number): Promise<void>;
  /** Nodes taken out of scheduling, with why. */
  cordons(): Promise<Map<string, string>>;
  setCordon(node: string, reason: string | undefined, atMs: number): Promise<void>;
}

export interface LeaseHolder {
  readonly lease: string;
  readonly holder: string;
  readonly token: number;
  /** Expiry by the store's clock (PostgreSQL: the database server's clock). */
  readonly expiresAtMs: number;
}

/**
 * Named leases with fencing tokens (leader election). Time is the store's own clock, so replicas
 * on hosts with skewed clocks agree on expiry.
 */
export interface LeaseStore {
  /** Take the lease if it is free or expired (a new, larger token) or renew it if `holder` holds it; undefined: another holds it. */
  acquire(lease: string, holder: string, ttlMs: number): Promise<Fence | undefined>;
  /**
   * Extend a held lease; false when it was lost (taken by another, or released). A lease that expired but
   * nobody took still has this holder and token: no other term began, so it is renewed (same term).
   */
  renew(fence: Fence, ttlMs: number): Promise<boolean>;
  /** Give the lease up (a clean shutdown), so a follower takes over without waiting for expiry. */
  release(fence: Fence): Promise<void>;
  current(lease: string): Promise<LeaseHolder | undefined>;
  /** Every lease whose name starts with `prefix`, by name (e.g. "replica/": the replicas' heartbeats). */
  list(prefix: string): Promise<LeaseHolder[]>;
}
