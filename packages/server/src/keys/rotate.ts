import { InvalidInputError } from "@aidc/core";
import { unwrapDataKey, wrapDataKey, type MasterKey } from "../artifacts/crypto/master.js";
import type { Store } from "../store/port.js";

export interface RotationReport {
  readonly from: string;
  readonly to: string;
  /** Data keys re-wrapped by this run. */
  readonly rewrapped: number;
  /** Keys that did not unwrap under the old master (a tampered row): left as they were, named here. */
  readonly failed: readonly { sha256: string; message: string }[];
  /** Keys still wrapped by the old master after the run (failed ones, or new ones a server wrapped meanwhile). */
  readonly remaining: number;
}

/**
 * Re-wrap every data key wrapped by `old` under `next`, without touching a blob: each row changes in
 * one atomic compare-and-set (store/port-keys.ts), so a crash or kill at any moment leaves every key
 * wrapped by exactly one of the two masters and every blob readable by a server holding both. A
 * second run finishes what the first left (rows are found by the master that wraps them).
 * The old key can be retired once `remaining` is 0 and every server runs with the new key active.
 */
export async function rotateDataKeys(o: {
  store: Store;
  old: MasterKey;
  next: MasterKey;
  now: () => number;
  batch?: number;
  onProgress?: (rewrapped: number, total: number) => void;
}): Promise<RotationReport> {
  if (o.old.id === o.next.id) {
    throw new InvalidInputError("The old and the new master key are the same key", [
      { code: "invalid_value", path: "--new", message: `both files hold master ${o.old.id}; make a new key with: openssl rand -hex 32` },
    ]);
  }
  const batch = o.batch ?? 500;
  const total = (await o.store.dataKeys.countByKeyId()).get(o.old.id) ?? 0;
  let rewrapped = 0;
  const failed: { sha256: string; message: string }[] = [];
  let after: string | undefined;
  for (;;) {
    const rows = await o.store.dataKeys.listByKeyId(o.old.id, batch, after);
    if (rows.length === 0) break;
    for (const row of rows) {
      after = row.sha256;
      let dataKey: Buffer;
      try {
        dataKey = unwrapDataKey(o.old, row.sha256, row.wrapped);
      } catch (err) {
        failed.push({ sha256: row.sha256, message: (err as Error).message });
        continue;
      }
      if (await o.store.dataKeys.rewrap(row.sha256, o.old.id, o.next.id, wrapDataKey(o.next, row.sha256, dataKey))) rewrapped++;
      dataKey.fill(0);
      o.onProgress?.(rewrapped, total);
    }
  }
  const remaining = (await o.store.dataKeys.countByKeyId()).get(o.old.id) ?? 0;
  await o.store.events.insert(o.now(), "keys.rotated", "server", {
    from: o.old.id,
    to: o.next.id,
    rewrapped,
    failed: failed.length,
    remaining,
  });
  return { from: o.old.id, to: o.next.id, rewrapped, failed, remaining };
}

/** How many data keys each master wraps (to see when an old master can be retired). */
export async function keyStatus(store: Store): Promise<{ keyId: string; dataKeys: number }[]> {
  return [...(await store.dataKeys.countByKeyId())].map(([keyId, dataKeys]) => ({ keyId, dataKeys }));
}
