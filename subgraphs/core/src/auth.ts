import { hash, verify } from '@node-rs/argon2';
import { SignJWT } from 'jose';
import type { Role } from './generated/prisma/enums.js';
import { SCOPES_BY_ROLE } from './roles.js';

/**
 * Tokens the core issues on signUp/logIn; the gateway verifies them with the same JWT_SECRET
 * (gateway/src/auth.ts) and passes the viewer and scopes to subgraphs in signed headers.
 *   header  { alg: "HS256", typ: "JWT" }
 *   claims  sub = user id (UUID), iss = "aetherial-core", aud = JWT_AUDIENCE ("aetherial-graph"),
 *           scope = the role's scopes, space-separated ("customer" | "customer admin catalog:write"),
 *           iat, exp = iat + JWT_TTL_SECONDS (1 hour by default)
 * A role changed later reaches the token at the next sign-in; core's own checks read the role
 * from the database on every catalogue write, so a revoked admin is refused at once there.
 */
export const TOKEN_ISSUER = 'aetherial-core';

export interface TokenSettings {
  secret: string;
  audience: string;
  ttlSeconds: number;
}

export type TokenIssuer = (user: { id: string; role: Role }) => Promise<string>;

export function tokenIssuer({ secret, audience, ttlSeconds }: TokenSettings): TokenIssuer {
  const key = new TextEncoder().encode(secret);
  return (user) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: SCOPES_BY_ROLE[user.role].join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlSeconds)
      .sign(key);
  };
}

/** argon2id with the library's defaults (19 MiB, 2 passes): the OWASP baseline. */
export const hashPassword = (password: string): Promise<string> => hash(password);

let decoyHash: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. With no user (unknown login) it still verifies against a
 * decoy hash, so the answer takes as long and does not tell which logins exist.
 */
export async function passwordMatches(storedHash: string | null, password: string): Promise<boolean> {
  if (storedHash === null) {
    await verify(await (decoyHash ??= hash('decoy-password-for-timing')), password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}
