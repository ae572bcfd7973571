import type { FastifyRequest } from "fastify";
import { AidcError } from "@aidc/core";
import { atLeast, type Principal, type Role, type TokenRepo } from "./store/tokens.js";

export class UnauthorizedError extends AidcError {
  constructor(message: string) {
    super("UNAUTHORIZED", message);
  }
}

export class ForbiddenError extends AidcError {
  constructor(message: string) {
    super("FORBIDDEN", message);
  }
}

/** The caller of a request, from `Authorization: Bearer <token>`; 401 when missing or unknown. */
export function principalOf(req: FastifyRequest, tokens: TokenRepo): Principal {
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  if (m?.[1] === undefined) throw new UnauthorizedError("Missing bearer token (Authorization: Bearer <token>)");
  const principal = tokens.verify(m[1]);
  if (principal === undefined) throw new UnauthorizedError("Unknown or revoked token");
  return principal;
}

/** The caller, who must hold at least `role`; 403 otherwise. */
export function requireRole(req: FastifyRequest, tokens: TokenRepo, role: Role): Principal {
  const p = principalOf(req, tokens);
  if (!atLeast(p.role, role)) throw new ForbiddenError(`This needs the ${role} role; ${p.user} is ${p.role}`);
  return p;
}
