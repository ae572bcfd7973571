import fc from "fast-check";
import { checkCluster, validateData, type Catalog, type ClusterModel } from "@aidc/core";
import type { TwinJob, TwinTask } from "./jobs.js";

/** A small cluster: an H100 training partition (two racks, one labelled) and, maybe, an L40S serving partition. */
export interface RandomCluster {
  readonly trainNodes: number;
  readonly trainGpus: 2 | 4 | 8;
  readonly labelledNodes: number;
  readonly serveNodes: number;
  readonly serveGpus: number;
  readonly serveCpus: number;
  readonly quotaA: number;
  readonly quotaB: number;
  readonly borrowB: number | undefined;
}

export const randomCluster: fc.Arbitrary<RandomCluster> = fc.record({
  trainNodes: fc.integer({ min: 1, max: 3 }),
  trainGpus: fc.constantFrom(2 as const, 4 as const, 8 as const),
  labelledNodes: fc.integer({ min: 0, max: 2 }),
  serveNodes: fc.integer({ min: 0, max: 3 }),
  serveGpus: fc.integer({ min: 1, max: 4 }),
  serveCpus: fc.constantFrom(8, 16, 64),
  quotaA: fc.integer({ min: 0, max: 16 }),
  quotaB: fc.integer({ min: 1, max: 16 }),
  borrowB: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
});

/** The cluster file of a random cluster, checked by core as `aidc serve --cluster` would. */
export function clusterModel(c: RandomCluster, catalog: Catalog): ClusterModel {
  const h100 = { accelerator: "h100-sxm5-80gb", gpus: c.trainGpus, cpus: 64, memoryGiB: 512 };
  const racks = [
    { name: "rack-t", pod: "pod-1", nodes: [{ name: "t", count: c.trainNodes, ...h100, labels: { role: "train" } }] },
    ...(c.labelledNodes > 0
      ? [{ name: "rack-u", pod: "pod-1", nodes: [{ name: "u", count: c.labelledNodes, ...h100, labels: { role: "train", ib: "ndr" } }] }]
      : []),
    ...(c.serveNodes > 0
      ? [
          {
            name: "rack-s",
            pod: "pod-2",
            nodes: [
              {
                name: "s",
                count: c.serveNodes,
                accelerator: "l40s",
                gpus: c.serveGpus,
                cpus: c.serveCpus,
                memoryGiB: 128,
                labels: { role: "serve" },
              },
            ],
          },
        ]
      : []),
  ];
  const doc = {
    apiVersion: "aidc/v1",
    kind: "Cluster",
    name: "random",
    racks,
    partitions: [
      { name: "train", nodeLabels: { role: "train" }, default: true },
      ...(c.serveNodes > 0 ? [{ name: "serve", nodeLabels: { role: "serve" } }] : []),
    ],
    queues: [
      { name: "a", partition: "train", quota: { gpus: c.quotaA }, cohort: "main" },
      {
        name: "b",
        partition: "train",
        quota: { gpus: c.quotaB },
        cohort: "main",
        ...(c.borrowB !== undefined ? { borrowingLimit: { gpus: c.borrowB } } : {}),
      },
      ...(c.serveNodes > 0 ? [{ name: "s", partition: "serve", quota: { gpus: c.serveNodes * c.serveGpus } }] : []),
    ],
  };
  const r = validateData(doc, catalog);
  if (r.document?.kind !== "Cluster") throw new Error(`random cluster invalid: ${JSON.stringify(r.issues)}`);
  const checked = checkCluster(r.document.value, catalog);
  if (checked.model === undefined) throw new Error(`random cluster invalid: ${JSON.stringify(checked.issues)}`);
  return checked.model;
}

interface RawJob {
  readonly gapS: number;
  readonly durationS: number;
  readonly serve: boolean;
  readonly queueB: boolean;
  readonly priority: number;
  readonly replicas: number;
  readonly gpus: number;
  readonly cpus: number;
  readonly typed: boolean;
  readonly selector: boolean;
}

const rawJob: fc.Arbitrary<RawJob> = fc.record({
  gapS: fc.integer({ min: 1, max: 150 }),
  durationS: fc.integer({ min: 10, max: 4000 }),
  serve: fc.boolean(),
  queueB: fc.boolean(),
  priority: fc.constantFrom(0, 0, 10, 30),
  replicas: fc.integer({ min: 1, max: 3 }),
  gpus: fc.integer({ min: 0, max: 8 }),
  cpus: fc.constantFrom(1, 4, 8, 16),
  typed: fc.boolean(),
  selector: fc.boolean(),
});

/**
 * Jobs that can each run on the cluster (a replica fits one node of its partition, the gang fits
 * the partition), at distinct whole-second arrival times.
 */
export function randomJobs(c: RandomCluster, raw: readonly RawJob[]): TwinJob[] {
  let t = 0;
  return raw.map((r, i) => {
    t += r.gapS;
    const serve = r.serve && c.serveNodes > 0;
    const selector = !serve && r.selector && c.labelledNodes > 0;
    const nodes = serve ? c.serveNodes : selector ? c.labelledNodes : c.trainNodes + c.labelledNodes;
    const perNode = serve ? c.serveGpus : c.trainGpus;
    const gpus = r.gpus % (perNode + 1);
    const replicas = Math.max(1, Math.min(r.replicas, gpus === 0 ? nodes : Math.floor((nodes * perNode) / gpus)));
    const task: TwinTask = { name: "main", replicas, gpus, cpus: serve ? Math.min(r.cpus, c.serveCpus) : r.cpus, memoryGiB: 8 };
    return {
      name: `p-${String(i).padStart(3, "0")}`,
      user: "alice",
      queue: serve ? "s" : r.queueB ? "b" : "a",
      priority: r.priority,
      submitS: t,
      durationS: r.durationS,
      ...(r.typed && gpus > 0 ? { gpuType: serve ? "L40S" : "H100" } : {}),
      ...(selector ? { nodeSelector: { ib: "ndr" } } : {}),
      tasks: [task],
    };
  });
}

export const randomJobList = (min: number, max: number): fc.Arbitrary<RawJob[]> => fc.array(rawJob, { minLength: min, maxLength: max });
