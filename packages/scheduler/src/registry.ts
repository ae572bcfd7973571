import { AidcError } from "@aidc/core";
import type { PermitPlugin, PlacePlugin, Plugin, PreemptPlugin, QueueSortPlugin } from "./plugins/types.js";
import { drfSort, fifoSort, lasSort, priorityAgingSort, sjfSort, srtfSort } from "./plugins/queue-sort/basic.js";
import { bestFit, firstFit, packing, randomFit, spreading } from "./plugins/place/scored.js";
import { topologyAware } from "./plugins/place/topology-aware.js";
import { consolidate } from "./plugins/place/consolidate.js";
import { quotaPermit } from "./plugins/permit/quota.js";
import { priorityPreempt, reclaimPreempt } from "./plugins/preempt/victims.js";

/** Every plugin, in one literal list; building the registry fails on a duplicate name per kind. */
export const PLUGINS: readonly Plugin[] = [
  fifoSort,
  sjfSort,
  srtfSort,
  priorityAgingSort,
  lasSort,
  drfSort,
  firstFit,
  bestFit,
  packing,
  spreading,
  randomFit,
  topologyAware,
  consolidate,
  quotaPermit,
  priorityPreempt,
  reclaimPreempt,
];

export interface PluginRegistry {
  readonly queueSort: ReadonlyMap<string, QueueSortPlugin>;
  readonly place: ReadonlyMap<string, PlacePlugin>;
  readonly permit: ReadonlyMap<string, PermitPlugin>;
  readonly preempt: ReadonlyMap<string, PreemptPlugin>;
}

export function buildRegistry(plugins: readonly Plugin[]): PluginRegistry {
  const queueSort = new Map<string, QueueSortPlugin>();
  const place = new Map<string, PlacePlugin>();
  const permit = new Map<string, PermitPlugin>();
  const preempt = new Map<string, PreemptPlugin>();
  const filter = new Map<string, Plugin>();
  for (const p of plugins) {
    const map: Map<string, Plugin> =
      p.kind === "queue-sort"
        ? queueSort
        : p.kind === "place"
          ? place
          : p.kind === "permit"
            ? permit
            : p.kind === "preempt"
              ? preempt
              : filter;
    if (map.has(p.name)) throw new AidcError("DUPLICATE_PLUGIN", `Cannot register ${p.kind} plugin "${p.name}": the name is taken`);
    map.set(p.name, p);
  }
  return { queueSort, place, permit, preempt };
}

let cached: PluginRegistry | undefined;
export function defaultRegistry(): PluginRegistry {
  cached ??= buildRegistry(PLUGINS);
  return cached;
}

export function placementNames(): string[] {
  return [...defaultRegistry().place.keys()];
}
