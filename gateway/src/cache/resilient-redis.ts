import { Redis } from 'ioredis';
import type { Logger } from '@aetherial/subgraph-kit';

/**
 * The cache's Redis connection: commands fail fast (no offline queue, a short timeout) so that a
 * down or slow Redis means "cache bypassed", never a slow or failed answer. Reconnects on its own.
 */
export function createCacheRedis(url: string, commandTimeoutMs: number, log: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down)
      log.warn({ err: error.message }, 'response cache Redis unavailable: answering without the cache');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('response cache Redis is back: cache in use again');
    down = false;
  });
  return redis;
}

/** Runs a cache operation; on any Redis failure returns the fallback and reports it once per call. */
export async function orBypass<T>(
  operation: () => Promise<T>,
  fallback: T,
  onBypass: (error: Error) => void,
): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    onBypass(error as Error);
    return fallback;
  }
}
