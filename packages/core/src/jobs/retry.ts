/**
 * When a failed job may run again: exponential backoff with jitter. Retry n (1 for the first) waits
 * `retryBackoffS × 2^(n-1)` seconds, at most MAX_RETRY_DELAY_S, spread by ±RETRY_JITTER of itself
 * so that jobs failing together do not all come back at the same moment. The jitter is drawn from
 * the job id and the retry number, not from a random source: every replica and every restart
 * computes the same moment (and tests can state it).
 */

/** The longest wait before a retry, whatever its number (6 h). */
export const MAX_RETRY_DELAY_S = 6 * 3600;
/** The spread around the exponential delay: ±20 %. */
export const RETRY_JITTER = 0.2;

/** A number in [0, 1) from a string (FNV-1a, 32 bits): the same string always gives the same number. */
export function unitFromString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

/**
 * Seconds to wait before retry `n` (1-based) with base `backoffS`; `unit` in [0, 1) places it in the
 * jitter band (0 → −20 %, 0.5 → exact, →1 → +20 %). 0 when backoffS is 0 (retry at once).
 */
export function retryDelayS(backoffS: number, n: number, unit: number): number {
  if (!(backoffS > 0)) return 0;
  const exp = Math.min(MAX_RETRY_DELAY_S, backoffS * 2 ** Math.max(0, Math.floor(n) - 1));
  const u = Math.min(Math.max(unit, 0), 1);
  return exp * (1 + RETRY_JITTER * (2 * u - 1));
}

/** The delay before retry `n` of job `jobId` (its jitter drawn from the id and n). */
export function jobRetryDelayS(jobId: string, backoffS: number, n: number): number {
  return retryDelayS(backoffS, n, unitFromString(`${jobId}#${n}`));
}
