import type { FastifyRequest } from "fastify";
import { AidcError } from "@aidc/core";
import { atLeast, type Principal, type Role } from "./store/tokens.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated caller, set by the app's onRequest hook before the body is parsed (see access.ts). */
    principal?: Principal;
  }
}

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

/** The bearer token of a request, or undefined when the header is missing or malformed. */
export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/**
 * Who sends a request: the principal the app's onRequest hook resolved (guards.ts verifies the
 * bearer token once per request, asynchronously, before the body is read). 401 when there is none.
 */
export function principalOf(req: FastifyRequest): Principal {
  if (req.principal !== undefined) return req.principal;
  if (bearerToken(req) === undefined) throw new UnauthorizedError("Missing bearer token (Authorization: Bearer <token>)");
  throw new UnauthorizedError("Unknown or revoked token");
}

/** The caller, who must hold at least `role`; 403 otherwise. */
export function requireRole(req: FastifyRequest, role: Role): Principal {
  const p = principalOf(req);
  if (!atLeast(p.role, role)) throw new ForbiddenError(`This needs the ${role} role; ${p.user} is ${p.role}`);
  return p;
}
