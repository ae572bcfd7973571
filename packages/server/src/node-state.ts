// A node's state as people read it, from its cordon reason and running jobs (GET /api/v1/nodes, aidc nodes).

/** A node's state for people: in scheduling, cordoned, or drained (draining while jobs still run on it). */
export const NODE_STATES = ["up", "cordoned", "draining", "drained"] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** A drain's cordon reason starts with this marker (the store keeps one reason per node). */
export const DRAIN_MARK = "[drain] ";

/** The reason a person gave, without the drain marker. */
export function reasonOf(cordon: string): string {
  return cordon.startsWith(DRAIN_MARK) ? cordon.slice(DRAIN_MARK.length) : cordon;
}

export function nodeState(cordon: string | undefined, runningJobs: number): { state: NodeState; reason?: string } {
  if (cordon === undefined) return { state: "up" };
  const drained = cordon.startsWith(DRAIN_MARK);
  return { state: drained ? (runningJobs > 0 ? "draining" : "drained") : "cordoned", reason: reasonOf(cordon) };
}
