import {
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { GraphQLError } from 'graphql';

/**
 * Verifies the bearer token of a client request.
 *
 * By default the tokens are core's: HS256 with JWT_SECRET, `iss` aetherial-core, `aud`
 * aetherial-graph. With JWT_JWKS_URL they are an identity provider's instead (RS256 or ES256,
 * keys fetched and cached by jose's createRemoteJWKSet), with JWT_ISSUER and JWT_AUDIENCE.
 * Either way `exp` and `sub` are required, and `scope` is the OAuth space-separated list.
 */
export const TOKEN_ISSUER = 'aetherial-core';
export const TOKEN_AUDIENCE = 'aetherial-graph';

export interface TokenVerification {
  /** HS256 secret (core's tokens). */
  secret?: string;
  /** JWKS of an identity provider (RS256/ES256); takes the place of `secret`. */
  jwksUrl?: string;
  issuer: string;
  audience: string;
}

export interface AuthenticatedViewer {
  userId: string | null;
  scopes: string[];
}

const ANONYMOUS: AuthenticatedViewer = { userId: null, scopes: [] };
/** `sub` travels to subgraphs in a header: printable ASCII without spaces. */
const SUBJECT = /^[\x21-\x7e]{1,200}$/;
/** RFC 6749 scope-token characters. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/;

class TokenClaimError extends Error {}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

function scopesOf(payload: JWTPayload): string[] {
  const claim = payload.scope;
  if (claim === undefined) return [];
  const scopes = typeof claim === 'string' ? claim.split(' ').filter((scope) => scope !== '') : claim;
  if (
    !Array.isArray(scopes) ||
    scopes.length > 50 ||
    !scopes.every((scope) => typeof scope === 'string' && SCOPE.test(scope))
  )
    throw new TokenClaimError('"scope" claim is not a list of scopes');
  return scopes as string[];
}

export function tokenVerifier(options: TokenVerification) {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
    algorithms = ['RS256', 'ES256'];
  } else if (options.secret) {
    key = new TextEncoder().encode(options.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('tokenVerifier needs a secret or a JWKS URL');
  }
  const verifyOptions = {
    issuer: options.issuer,
    audience: options.audience,
    algorithms,
    requiredClaims: ['exp', 'sub'],
  };

  return async function viewerFromAuthorization(
    authorization: string | undefined,
  ): Promise<AuthenticatedViewer> {
    if (!authorization) return ANONYMOUS;
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <token>"');
    try {
      const { payload } =
        typeof key === 'function'
          ? await jwtVerify(match[1]!, key, verifyOptions)
          : await jwtVerify(match[1]!, key, verifyOptions);
      if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub))
        throw new TokenClaimError('"sub" claim is not a user id');
      return { userId: payload.sub, scopes: scopesOf(payload) };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw unauthenticated('token expired: sign in again');
      // Which claim failed is safe to tell (OAuth's error_description does); why a signature failed is not.
      if (error instanceof joseErrors.JWTClaimValidationFailed || error instanceof TokenClaimError)
        throw unauthenticated(`invalid token: ${error.message}`);
      throw unauthenticated('invalid token');
    }
  };
}
