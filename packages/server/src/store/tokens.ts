import { createHash, randomBytes } from "node:crypto";
import type { SqliteStore } from "./sqlite.js";

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

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Bearer tokens, stored only as sha256 hashes. */
/** How long a verified token is trusted without asking the store again. */
const VERIFIED_TTL_MS = 5000;

export class TokenRepo {
  private readonly verified = new Map<string, { principal: Principal; untilMs: number }>();

  constructor(private readonly store: SqliteStore) {}

  create(user: string, role: Role, nowMs: number): string {
    const token = `aidc_${randomBytes(24).toString("base64url")}`;
    this.store.db.transaction(() => {
      this.store
        .prepare("INSERT INTO tokens (hash, user, role, created_at_ms) VALUES (?, ?, ?, ?)")
        .run(hashToken(token), user, role, nowMs);
      this.store.insertEvent(nowMs, "token.created", `user/${user}`, { role });
    })();
    return token;
  }

  /** The principal a token stands for, or undefined for an unknown or revoked token. */
  verify(token: string): Principal | undefined {
    const hash = hashToken(token);
    const cached = this.verified.get(hash);
    const now = Date.now();
    if (cached !== undefined && cached.untilMs > now) return cached.principal;
    const row = this.store.prepare("SELECT hash, user, role FROM tokens WHERE hash = ? AND revoked_at_ms IS NULL").get(hash) as
      { hash: string; user: string; role: Role } | undefined;
    if (row === undefined) return undefined;
    const principal = { user: row.user, role: row.role };
    if (this.verified.size > 10_000) this.verified.clear();
    this.verified.set(hash, { principal, untilMs: now + VERIFIED_TTL_MS });
    return principal;
  }

  count(): number {
    return (this.store.prepare("SELECT COUNT(*) AS n FROM tokens").get() as { n: number }).n;
  }
}
