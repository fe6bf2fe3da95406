import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import type { Logger } from '@aetherial/subgraph-kit';

/** The cache's Redis: one server, or a Redis Cluster through ioredis' cluster client. */
export type CacheRedis = Redis | Cluster;

/** Scheme of a `CACHE_REDIS_URL` naming a Redis Cluster: `redis+cluster://host:port[?seeds=host:port,…]`. */
export const clusterScheme = 'redis+cluster:';

export interface ClusterAddress {
  /** Where the client starts discovering the cluster: the URL's node, then the `seeds` ones. */
  nodes: ClusterNode[];
  /** `redis://` URL of the URL's own node (with its credentials), for one-node checks such as the eviction policy. */
  firstNodeUrl: string;
  username?: string;
  password?: string;
}

const hostPort = (text: string): ClusterNode => {
  const at = text.lastIndexOf(':');
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`redis+cluster URL: seed "${text}" is not host:port`);
  return { host: text.slice(0, at), port };
};

/**
 * The cluster a `redis+cluster://` URL names, or null for a plain `redis://` URL (one Redis). One
 * node is enough (the client asks it for the others); `?seeds=` adds more in case it is down.
 */
export function clusterAddress(url: string): ClusterAddress | null {
  const parsed = new URL(url);
  if (parsed.protocol !== clusterScheme) return null;
  const first = hostPort(`${parsed.hostname}:${parsed.port || 6379}`);
  const seeds = (parsed.searchParams.get('seeds') ?? '')
    .split(',')
    .filter((seed) => seed.length > 0)
    .map(hostPort);
  const single = new URL(url);
  single.protocol = 'redis:';
  single.search = '';
  return {
    nodes: [first, ...seeds],
    firstNodeUrl: single.toString(),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
  };
}

/** A URL fit for a one-node check (`checkEvictionPolicy`): the cluster URL's first node, else the URL itself. */
export const oneNodeUrl = (url: string): string => clusterAddress(url)?.firstNodeUrl ?? url;

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
