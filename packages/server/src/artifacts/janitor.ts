import type { ServedModels } from "./served.js";
import { DEFAULT_UPLOAD_MAX_AGE_MS, type UploadSessions } from "./uploads.js";

export interface Janitor {
  /** One sweep now (also what the timer runs). */
  sweep(): Promise<{ expired: string[]; orphans: string[]; staging: number }>;
  stop(): void;
}

/**
 * Removes what interrupted work leaves behind: expired upload sessions with their bytes, partial
 * files that belong to no session, and staging folders of interrupted model promotions. Runs
 * once at start (resolves when that sweep is done) and then every `intervalMs` (a sweep still
 * running when the timer fires is not started twice).
 */
export async function startJanitor(o: {
  sessions: UploadSessions;
  served: ServedModels;
  now: () => number;
  uploadMaxAgeMs?: number;
  intervalMs?: number;
  warn?: (msg: string) => void;
}): Promise<Janitor> {
  const sweep = async () => ({
    ...(await o.sessions.sweep(o.now(), o.uploadMaxAgeMs ?? DEFAULT_UPLOAD_MAX_AGE_MS)),
    staging: o.served.sweepStaging(),
  });
  let running = false;
  const safely = async () => {
    if (running) return;
    running = true;
    try {
      await sweep();
    } catch (err) {
      o.warn?.(`upload janitor: ${(err as Error).message}`);
    } finally {
      running = false;
    }
  };
  await safely();
  const timer = setInterval(() => void safely(), o.intervalMs ?? 10 * 60_000);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
