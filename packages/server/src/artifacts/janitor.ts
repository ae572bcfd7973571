import type { ServedModels } from "./served.js";
import { DEFAULT_UPLOAD_MAX_AGE_MS, type UploadSessions } from "./uploads.js";

export interface Janitor {
  /** One sweep now (also what the timer runs). */
  sweep(): { expired: string[]; orphans: string[]; staging: number };
  stop(): void;
}

/**
 * Removes what interrupted work leaves behind: expired upload sessions with their bytes, partial
 * files that belong to no session, and staging folders of interrupted model promotions. Runs
 * once at start and then every `intervalMs`.
 */
export function startJanitor(o: {
  sessions: UploadSessions;
  served: ServedModels;
  now: () => number;
  uploadMaxAgeMs?: number;
  intervalMs?: number;
  warn?: (msg: string) => void;
}): Janitor {
  const sweep = () => ({ ...o.sessions.sweep(o.now(), o.uploadMaxAgeMs ?? DEFAULT_UPLOAD_MAX_AGE_MS), staging: o.served.sweepStaging() });
  const safely = () => {
    try {
      sweep();
    } catch (err) {
      o.warn?.(`upload janitor: ${(err as Error).message}`);
    }
  };
  safely();
  const timer = setInterval(safely, o.intervalMs ?? 10 * 60_000);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
