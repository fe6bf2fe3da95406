import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { oneNodeUrl } from './redis-connection.js';

/**
 * What each Redis role needs from `maxmemory-policy`:
 * - `events` (the stream and its consumer groups) must never lose a key: `noeviction`, so a full
 *   Redis refuses new writes (the outbox keeps the events) instead of evicting the stream.
 * - `cache` (responses, APQ, rate limits) is rebuilt on a miss: an evicting policy (`allkeys-*` or
 *   `volatile-*`), so a full Redis drops old entries instead of failing every cache write.
 */
export type RedisRole = 'events' | 'cache';

export type EvictionPolicyVerdict =
  | { status: 'ok'; policy: string }
  | { status: 'wrong'; policy: string; problem: string }
  /** CONFIG is disabled or renamed (managed Redis), or Redis did not answer in time. */
  | { status: 'unknown'; reason: string };

export class EvictionPolicyError extends Error {}

export function judgeEvictionPolicy(role: RedisRole, policy: string): EvictionPolicyVerdict {
  if (role === 'events')
    return policy === 'noeviction'
      ? { status: 'ok', policy }
      : {
          status: 'wrong',
          policy,
          problem: `the events Redis has maxmemory-policy ${policy}: when full it may evict the event stream and its consumer groups; set noeviction`,
        };
  return /^(allkeys|volatile)-/.test(policy)
    ? { status: 'ok', policy }
    : {
        status: 'wrong',
        policy,
        problem: `the cache Redis has maxmemory-policy ${policy}: when full, cache, APQ and rate-limit writes fail instead of evicting old entries; set allkeys-lru (or another allkeys-*/volatile-* policy)`,
      };
}

/** Asks Redis for its `maxmemory-policy` over a short-lived connection of its own. */
export async function readEvictionPolicy(
  url: string,
  timeoutMs = 2000,
): Promise<EvictionPolicyVerdict | string> {
  // A cluster's nodes share one configuration here: the URL's first node answers for it.
  const redis = new Redis(oneNodeUrl(url), {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    return policy ?? { status: 'unknown', reason: 'CONFIG GET maxmemory-policy returned nothing' };
  } catch (error) {
    return { status: 'unknown', reason: (error as Error).message };
  } finally {
    redis.disconnect();
  }
}

export interface EvictionPolicyCheck {
  url: string;
  role: RedisRole;
  /** Production refuses an events Redis that may evict; elsewhere it is a warning. */
  production: boolean;
  log: Pick<Logger, 'warn' | 'info'>;
}

/**
 * Checks a Redis role's eviction policy at start-up. An events Redis that may evict makes
 * production refuse to start (EvictionPolicyError); everything else wrong is a warning. A Redis
 * that does not tell (CONFIG disabled, not reachable yet) is let through with a note.
 */
export async function checkEvictionPolicy({
  url,
  role,
  production,
  log,
}: EvictionPolicyCheck): Promise<EvictionPolicyVerdict> {
  const read = await readEvictionPolicy(url);
  const verdict = typeof read === 'string' ? judgeEvictionPolicy(role, read) : read;
  if (verdict.status === 'unknown') {
    log.info(
      { role, reason: verdict.reason },
      `could not read the ${role} Redis's maxmemory-policy; make sure it is ${role === 'events' ? 'noeviction' : 'an allkeys-* or volatile-* policy'}`,
    );
  } else if (verdict.status === 'wrong') {
    if (production && role === 'events') throw new EvictionPolicyError(verdict.problem);
    log.warn({ role, policy: verdict.policy }, verdict.problem);
  }
  return verdict;
}
