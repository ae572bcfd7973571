/**
 * Token buckets per caller (bearer token, or address when there is none): each holds up to
 * `burst` requests and refills at `perS` requests per second. A request that finds its bucket
 * empty is answered 429 with Retry-After.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly perS: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  /** Seconds to wait before retrying, or 0 when the request may go ahead. */
  take(key: string): number {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, atMs: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.atMs) / 1000) * this.perS);
    b.atMs = now;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.buckets.clear(); // bounded memory under a flood of keys
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perS);
  }
}
