import { hash, verify } from '@node-rs/argon2';
import { SignJWT } from 'jose';

/**
 * Tokens the core issues on signUp/logIn; the gateway verifies them with the same JWT_SECRET
 * (gateway/src/auth.ts) and passes the viewer to subgraphs in signed headers.
 *   header  { alg: "HS256", typ: "JWT" }
 *   claims  sub = user id (UUID), iss = "aetherial-core", iat, exp = iat + 7 days
 */
export const TOKEN_ISSUER = 'aetherial-core';
export const TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

export type TokenIssuer = (userId: string) => Promise<string>;

export function tokenIssuer(secret: string): TokenIssuer {
  const key = new TextEncoder().encode(secret);
  return (userId) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(TOKEN_ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
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
