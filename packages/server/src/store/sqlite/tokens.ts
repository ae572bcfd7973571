import type { TokenStore } from "../port.js";
import { hashToken, newToken, VerifiedTokens, type Principal, type Role } from "../tokens.js";
import type { SqliteDb } from "./db.js";

/** Bearer tokens in the SQLite file, stored only as sha256 hashes. */
export class SqliteTokenStore implements TokenStore {
  private readonly verified = new VerifiedTokens();

  constructor(private readonly s: SqliteDb) {}

  async create(user: string, role: Role, nowMs: number): Promise<string> {
    const token = newToken();
    this.s.transaction(() => {
      this.s.prepare("INSERT INTO tokens (hash, user, role, created_at_ms) VALUES (?, ?, ?, ?)").run(hashToken(token), user, role, nowMs);
      this.s.insertEvent(nowMs, "token.created", `user/${user}`, { role });
    });
    return token;
  }

  async verify(token: string): Promise<Principal | undefined> {
    const hash = hashToken(token);
    const cached = this.verified.get(hash);
    if (cached !== undefined) return cached;
    const row = this.s.prepare("SELECT user, role FROM tokens WHERE hash = ? AND revoked_at_ms IS NULL").get(hash) as
      { user: string; role: Role } | undefined;
    if (row === undefined) return undefined;
    const principal = { user: row.user, role: row.role };
    this.verified.set(hash, principal);
    return principal;
  }

  async count(): Promise<number> {
    return (this.s.prepare("SELECT COUNT(*) AS n FROM tokens").get() as { n: number }).n;
  }
}
