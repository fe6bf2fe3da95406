import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { CacheRedis } from '../cache/resilient-redis.js';

export interface RateLimitSettings {
  windowSeconds: number;
  perIp: number;
  perViewer: number;
  authPerIp: number;
  authPerAccount: number;
}

/**
 * One limit (points per window) counted in Redis, so every worker and gateway shares it. When
 * Redis is down or slow (the client fails fast), rate-limiter-flexible's insurance limiter counts
 * in this process's memory instead: the limit keeps holding, per process, and nobody is refused
 * for Redis being away.
 */
function limiter(redis: CacheRedis, name: string, points: number, windowSeconds: number): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `rl:${name}`,
    points,
    duration: windowSeconds,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: `rl:${name}`, points, duration: windowSeconds }),
  });
}

export function rateLimitedError(what: string, retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`too many requests ${what}; retry in ${retryAfterSeconds} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

/** Consumes a point of `key`; a refusal becomes a 429 RATE_LIMITED error with Retry-After. */
async function consume(limit: RateLimiterRedis, key: string, what: string): Promise<void> {
  try {
    await limit.consume(key);
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes)
      throw rateLimitedError(what, Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)));
    throw refusal; // not a refusal: the insurance limiter itself failed, which it does not do
  }
}

export class RateLimits {
  private readonly ip: RateLimiterRedis;
  private readonly viewer: RateLimiterRedis;
  private readonly authIp: RateLimiterRedis;
  private readonly authAccount: RateLimiterRedis;

  constructor(redis: CacheRedis, settings: RateLimitSettings) {
    const window = settings.windowSeconds;
    this.ip = limiter(redis, 'ip', settings.perIp, window);
    this.viewer = limiter(redis, 'viewer', settings.perViewer, window);
    this.authIp = limiter(redis, 'auth-ip', settings.authPerIp, window);
    this.authAccount = limiter(redis, 'auth-account', settings.authPerAccount, window);
  }

  /** Every request: one point per client IP and, when signed in, one per viewer. */
  async request(ip: string, viewerId: string | null): Promise<void> {
    await consume(this.ip, ip, 'from this address');
    if (viewerId) await consume(this.viewer, viewerId, 'for this user');
  }

  /** `logIn`/`signUp`: a stricter budget per client IP and per account (login, handle or email). */
  async authAttempt(ip: string, accounts: readonly string[]): Promise<void> {
    await consume(this.authIp, ip, 'to sign in or up from this address');
    for (const account of accounts) await consume(this.authAccount, account, 'to sign in to this account');
  }
}
