import { jwtVerify, errors as joseErrors } from 'jose';
import { GraphQLError } from 'graphql';

/** Tokens are issued by the core subgraph: HS256, issuer `aetherial-core`, `sub` = user id. */
export const TOKEN_ISSUER = 'aetherial-core';

export interface AuthenticatedViewer {
  userId: string | null;
}

export function tokenVerifier(secret: string) {
  const key = new TextEncoder().encode(secret);
  return async function viewerFromAuthorization(
    authorization: string | undefined,
  ): Promise<AuthenticatedViewer> {
    if (!authorization) return { userId: null };
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) {
      throw new GraphQLError('Authorization header must be "Bearer <token>"', {
        extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
      });
    }
    try {
      const { payload } = await jwtVerify(match[1]!, key, { issuer: TOKEN_ISSUER, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('token has no subject');
      return { userId: payload.sub };
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired ? 'token expired: sign in again' : 'invalid token';
      throw new GraphQLError(reason, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
    }
  };
}
