import { jwtVerify, errors as joseErrors } from 'jose';
import { GraphQLError } from 'graphql';

/** Tokens are issued by the core subgraph: HS256, issuer `aetherial-core`, `sub` = user id. */
export const TOKEN_ISSUER = 'aetherial-core';

export interface AuthenticatedViewer {
  userId: string | null;
  /** The token's `scope` claim (space-separated, OAuth 2 style); empty when anonymous. */
  scopes: string[];
}

function scopesOf(claim: unknown): string[] {
  return typeof claim === 'string' ? claim.split(' ').filter((scope) => scope !== '') : [];
}

export function tokenVerifier(secret: string) {
  const key = new TextEncoder().encode(secret);
  return async function viewerFromAuthorization(
    authorization: string | undefined,
  ): Promise<AuthenticatedViewer> {
    if (!authorization) return { userId: null, scopes: [] };
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) {
      throw new GraphQLError('Authorization header must be "Bearer <token>"', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
    try {
      const { payload } = await jwtVerify(match[1]!, key, { issuer: TOKEN_ISSUER, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('token has no subject');
      return { userId: payload.sub, scopes: scopesOf(payload.scope) };
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired ? 'token expired: sign in again' : 'invalid token';
      throw new GraphQLError(reason, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
  };
}
