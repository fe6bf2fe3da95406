import { decodeJwt } from 'jose';
import { GraphQLError } from 'graphql';
import type { AuthenticatedViewer } from '../auth.js';

/** The gateway's token check (auth.ts `tokenVerifier`), the same one HTTP requests go through. */
export type VerifyAuthorization = (authorization: string | undefined) => Promise<AuthenticatedViewer>;

/** Who a subscription's events are resolved as: the viewer of its connection's token. */
export interface Subscriber {
  viewerId: string | null;
  /** The token's scopes, checked against `@requiresScopes` like an HTTP request's. */
  scopes: readonly string[];
  /** The connection's peer address. */
  clientIp: string;
}

/** The gateway's own lookups (a like's post author): no viewer. */
export const GATEWAY_ITSELF: Subscriber = { viewerId: null, scopes: [], clientIp: 'gateway' };

export interface ConnectionViewer extends Subscriber {
  /** When the token stops being valid (ms since the epoch); the connection is cut then. */
  expiresAt: number | undefined;
}

/**
 * Verifies an `Authorization` value with the gateway's verifier and reads when the token expires,
 * so a long-lived connection is cut when a request with that token would be refused. The expiry
 * is read only after the verifier accepted the token.
 */
export async function connectionViewer(
  verify: VerifyAuthorization,
  authorization: unknown,
  clientIp: string,
): Promise<ConnectionViewer> {
  if (authorization !== undefined && typeof authorization !== 'string')
    throw new GraphQLError('authorization must be a string "Bearer <token>"', {
      extensions: { code: 'UNAUTHENTICATED' },
    });
  const viewer = await verify(authorization || undefined);
  const token = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1] : undefined;
  const exp = token ? decodeJwt(token).exp : undefined;
  return {
    viewerId: viewer.userId,
    scopes: viewer.scopes,
    clientIp,
    expiresAt: typeof exp === 'number' ? exp * 1000 : undefined,
  };
}

/** setTimeout takes at most 2^31-1 ms (~24.8 days); a later expiry is re-armed on the way. */
export function atExpiry(expiresAt: number | undefined, onExpired: () => void): () => void {
  if (expiresAt === undefined) return () => undefined;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) return onExpired();
    timer = setTimeout(arm, Math.min(left, 2 ** 31 - 1));
  };
  arm();
  return () => clearTimeout(timer);
}

export const TOKEN_EXPIRED = 'token expired: sign in again';
