import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import type { EventsRedis } from './partitions.js';

/** Scheme of a Redis URL naming a Redis Cluster: `redis+cluster://host:port[?seeds=host:port,…]`. */
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
 * A connection to the event log's Redis (`EVENTS_REDIS_URL`): one Redis for `redis://`, ioredis'
 * cluster client for `redis+cluster://` (the same options on every node). Every process that
 * publishes or reads events connects through this, so the log runs on either without code changes.
 */
export function connectEventsRedis(url: string, options: RedisOptions = {}): EventsRedis {
  const cluster = clusterAddress(url);
  if (!cluster) return new Redis(url, options);
  const { lazyConnect, ...nodeOptions } = options;
  return new Cluster(cluster.nodes, {
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    redisOptions: {
      ...nodeOptions,
      ...(cluster.username ? { username: cluster.username } : {}),
      ...(cluster.password ? { password: cluster.password } : {}),
    },
  });
}
