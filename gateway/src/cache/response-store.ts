import type { Redis } from 'ioredis';

/**
 * Cached responses and their tags in Redis:
 * - `rc:r:<key>`          the response JSON, with the TTL of its cache policy;
 * - `rc:t:<tag>`          set of response keys holding the tagged entity or type;
 * - `rc:i:<tag>`          the invalidation generation when the tag was last invalidated;
 * - `rc:gen`              the global invalidation generation.
 * A response computed while one of its tags was invalidated is not stored (it may be stale): the
 * store script compares the tag's generation with the generation read when the request started.
 */
const STORE_SCRIPT = `
local startGen = tonumber(ARGV[3])
for i = 4, #ARGV do
  local invalidatedAt = tonumber(redis.call('GET', 'rc:i:' .. ARGV[i]) or '-1')
  if invalidatedAt > startGen then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = 4, #ARGV do
  local tagKey = 'rc:t:' .. ARGV[i]
  redis.call('SADD', tagKey, KEYS[1])
  if redis.call('TTL', tagKey) < tonumber(ARGV[2]) then redis.call('EXPIRE', tagKey, ARGV[2]) end
end
return 1
`;

const INVALIDATE_SCRIPT = `
local gen = redis.call('INCR', 'rc:gen')
local dropped = 0
for i = 1, #ARGV do
  local tagKey = 'rc:t:' .. ARGV[i]
  local keys = redis.call('SMEMBERS', tagKey)
  for j = 1, #keys, 500 do
    dropped = dropped + redis.call('DEL', unpack(keys, j, math.min(j + 499, #keys)))
  end
  redis.call('DEL', tagKey)
  redis.call('SET', 'rc:i:' .. ARGV[i], gen, 'EX', 3600)
end
return dropped
`;

type ScriptedRedis = Redis & {
  rcStore(key: string, value: string, ttl: number, startGen: number, ...tags: string[]): Promise<number>;
  rcInvalidate(...tags: string[]): Promise<number>;
};

export class ResponseStore {
  private readonly redis: ScriptedRedis;

  constructor(redis: Redis) {
    redis.defineCommand('rcStore', { numberOfKeys: 1, lua: STORE_SCRIPT });
    redis.defineCommand('rcInvalidate', { numberOfKeys: 0, lua: INVALIDATE_SCRIPT });
    this.redis = redis as ScriptedRedis;
  }

  /** The cached public response, the viewer's private one, and the current generation, in one round trip. */
  async lookup(
    publicKey: string,
    privateKey: string | null,
  ): Promise<{ hit: string | null; generation: number }> {
    const keys = privateKey ? [`rc:r:${publicKey}`, `rc:r:${privateKey}`] : [`rc:r:${publicKey}`];
    const values = await this.redis.mget('rc:gen', ...keys);
    return { generation: Number(values[0] ?? 0), hit: values[1] ?? values[2] ?? null };
  }

  async store(
    key: string,
    value: string,
    ttlSeconds: number,
    startGeneration: number,
    tags: string[],
  ): Promise<boolean> {
    return (await this.redis.rcStore(`rc:r:${key}`, value, ttlSeconds, startGeneration, ...tags)) === 1;
  }

  /** Drops every response holding one of the tags; returns how many. */
  async invalidate(tags: string[]): Promise<number> {
    if (tags.length === 0) return 0;
    return this.redis.rcInvalidate(...tags);
  }
}
