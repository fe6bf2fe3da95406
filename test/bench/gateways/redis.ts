import { Redis } from 'ioredis';

/**
 * Checks the Redis our cached variants use and drops what an earlier run cached there (response
 * cache `rc:*`, persisted queries `apq:*`), so every cached variant starts cold and warms up the
 * same way. Returns why Redis cannot be used, or null.
 */
export async function prepareCacheRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for (const pattern of ['rc:*', 'apq:*']) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    return null;
  } catch (error) {
    return `Redis at ${url} is not usable (${(error as Error).message}); start it with: npm run stack -- up redis`;
  } finally {
    redis.disconnect();
  }
}
