import type { TokenStore } from "../port.js";
import { hashToken, newToken, VerifiedTokens, type Principal, type Role } from "../tokens.js";
import type { PgDb } from "./db.js";
import { insertEventPg } from "./events.js";

/** Bearer tokens in PostgreSQL, stored only as sha256 hashes. */
export class PgTokenStore implements TokenStore {
  private readonly verified = new VerifiedTokens();

  constructor(private readonly db: PgDb) {}

  async create(user: string, role: Role, nowMs: number): Promise<string> {
    const token = newToken();
    await this.db.tx(async (sql) => {
      await sql.query('INSERT INTO tokens (hash, "user", role, created_at_ms) VALUES ($1, $2, $3, $4)', [
        hashToken(token),
        user,
        role,
        nowMs,
      ]);
      await insertEventPg(sql, nowMs, "token.created", `user/${user}`, { role });
    });
    return token;
  }

  async verify(token: string): Promise<Principal | undefined> {
    const hash = hashToken(token);
    const cached = this.verified.get(hash);
    if (cached !== undefined) return cached;
    const rows = await this.db.query<{ user: string; role: Role }>(
      'SELECT "user", role FROM tokens WHERE hash = $1 AND revoked_at_ms IS NULL',
      [hash],
      "aidc_token_verify",
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const principal = { user: row.user, role: row.role };
    this.verified.set(hash, principal);
    return principal;
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ n: number }>("SELECT COUNT(*) AS n FROM tokens", [], "aidc_token_count");
    return rows[0]?.n ?? 0;
  }
}
