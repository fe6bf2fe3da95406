import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type { CacheRedis } from './resilient-redis.js';

/**
 * Automatic persisted queries in Redis, shared by every gateway worker and instance. Redis errors
 * read as "not persisted": the client then sends the full query and the request still succeeds.
 */
export class RedisApqStore implements KeyValueCache<string> {
  constructor(
    private readonly redis: CacheRedis,
    private readonly onError: (error: Error) => void,
    private readonly prefix = 'apq:',
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(this.prefix + key)) ?? undefined;
    } catch (error) {
      this.onError(error as Error);
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    try {
      const ttl = options?.ttl ?? 7 * 24 * 3600;
      await this.redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.round(ttl)));
    } catch (error) {
      this.onError(error as Error);
    }
  }

  async delete(key: string): Promise<boolean | void> {
    try {
      await this.redis.del(this.prefix + key);
    } catch (error) {
      this.onError(error as Error);
    }
  }
}
