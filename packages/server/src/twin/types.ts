import type { ClusterModel, Node } from "@aidc/core";
import type { QueueQuota } from "@aidc/scheduler";
import type { JobForecast, TwinPending, TwinState } from "@aidc/simulator";
import type { ProfileDesc } from "./profile.js";

/** What the scheduling loop saw at its last pass (`SchedulingLoop.twinView()`). */
export type { TwinView } from "../loop/scheduling.js";

/** What a job asks of a node besides capacity (to find its nodes again when nodes are added). */
export interface NodeWish {
  readonly gpuType?: string;
  readonly selector?: Readonly<Record<string, string>>;
}

/** The live state as plain data: what the twin's worker forecasts. */
export interface TwinInput {
  readonly state: TwinState;
  readonly profile: ProfileDesc;
  readonly model: ClusterModel;
  /** Per job id, its GPU type (catalog id) and node selector, for jobs that name one. */
  readonly wishes: Readonly<Record<string, NodeWish>>;
}

/** A forecast as plain data (the worker's answer). */
export interface ForecastWire {
  readonly jobs: readonly JobForecast[];
  readonly utilization: readonly { readonly tS: number; readonly ratio: number }[];
  readonly wallMs: number;
}

/** A hypothetical job, checked and shaped on the live topology. */
export interface Hypothetical {
  readonly pending: TwinPending;
  readonly wish: NodeWish;
  readonly name: string;
}

/** A what-if request after validation: plain data for the worker. */
export interface WhatIfPlan {
  /** Nodes to add (expanded against the catalog, partitions resolved); appended to the cluster. */
  readonly addNodes: readonly Node[];
  readonly removeNodes: readonly string[];
  readonly profile?: ProfileDesc;
  readonly quotas: readonly QueueQuota[];
  readonly cancel: readonly string[];
  readonly priorities: readonly { readonly jobId: string; readonly priority: number }[];
  readonly jobs: readonly Hypothetical[];
  readonly horizonS?: number;
}

export interface Summary {
  readonly pending: number;
  readonly meanDelayS: number;
  readonly p50DelayS: number;
  readonly p90DelayS: number;
  readonly maxDelayS: number;
  readonly utilizationNext1h: number;
  readonly utilizationNext6h: number;
  readonly neverStart: number;
}

export interface WhatIfJobWire {
  readonly id: string;
  readonly queue: string;
  readonly beforeStartS?: number;
  readonly afterStartS?: number;
}

/** The worker's what-if answer (ids unmapped, seconds). */
export interface WhatIfWire {
  readonly before: Summary;
  readonly after: Summary;
  readonly jobs: readonly WhatIfJobWire[];
  readonly utilization: { readonly before: readonly [number, number][]; readonly after: readonly [number, number][] };
}

/** The forecast of one job as the REST API shows it. */
export interface ForecastView {
  readonly startMs: number;
  readonly endMs?: number;
  readonly bandStartMs: readonly [number, number];
  readonly after?: string;
  readonly basis: string;
  readonly computedAtMs: number;
}
