import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { clusterAddress } from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';

/** The cache's Redis: one server, or a Redis Cluster through ioredis' cluster client. */
export type CacheRedis = Redis | Cluster;

/**
 * The cache's Redis connection: commands fail fast (no offline queue, a short timeout) so that a
 * down or slow Redis means "cache bypassed", never a slow or failed answer. Reconnects on its own.
 * A `redis+cluster://` URL gives a cluster client with the same fail-fast settings on every node.
 */
export function createCacheRedis(url: string, commandTimeoutMs: number, log: Logger): CacheRedis {
  const failFast: RedisOptions = {
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
  };
  const retry = (attempt: number) => Math.min(attempt * 200, 2000);
  const cluster = clusterAddress(url);
  const redis: CacheRedis = cluster
    ? new Cluster(cluster.nodes, {
        enableOfflineQueue: false,
        clusterRetryStrategy: retry,
        redisOptions: {
          ...failFast,
          ...(cluster.username ? { username: cluster.username } : {}),
          ...(cluster.password ? { password: cluster.password } : {}),
        },
      })
    : new Redis(url, { ...failFast, enableOfflineQueue: false, retryStrategy: retry, lazyConnect: false });
  let down = false;
  redis.on('error', (error: Error) => {
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
