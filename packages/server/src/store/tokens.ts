import { createHash, randomBytes } from "node:crypto";

/*
 * Bearer tokens: roles, principals and what both backends share (hashing, a new token, the short-lived
 * cache of verified tokens). Tokens are stored only as sha256 hashes. The SQL is in store/sqlite/tokens.ts
 * and store/pg/tokens.ts; the port is TokenStore in store/port.ts.
 */

export const ROLES = ["viewer", "user", "operator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  readonly user: string;
  readonly role: Role;
}

/** True when `role` has at least the rights of `needed` (viewer < user < operator < admin). */
export function atLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A new random bearer token ("aidc_" + 32 base64url characters). */
export function newToken(): string {
  return `aidc_${randomBytes(24).toString("base64url")}`;
}

/** How long a verified token is trusted without asking the store again. */
const VERIFIED_TTL_MS = 5000;

/** Verified tokens by hash, trusted for a few seconds (every request verifies its token). */
export class VerifiedTokens {
  private readonly verified = new Map<string, { principal: Principal; untilMs: number }>();

  get(hash: string, nowMs = Date.now()): Principal | undefined {
    const cached = this.verified.get(hash);
    return cached !== undefined && cached.untilMs > nowMs ? cached.principal : undefined;
  }

  set(hash: string, principal: Principal, nowMs = Date.now()): void {
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(hash, { principal, untilMs: nowMs + VERIFIED_TTL_MS });
  }
}
