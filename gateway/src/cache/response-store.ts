import { stableHash } from '@aetherial/events';
import type { CacheRedis } from './resilient-redis.js';

/**
 * Cached responses and their tags in Redis (on one Redis; on a cluster see `shard` below):
 * - `rc:r:<key>`          the response JSON, with the TTL of its cache policy;
 * - `rc:u:<key>`          for a public response: the ids of the users it holds (`,id1,id2,`);
 * - `rc:t:<tag>`          set of response keys holding the tagged entity or list;
 * - `rc:i:<tag>`          the invalidation generation when the tag was last invalidated;
 * - `rc:d:<gen>:<tag>`    a tag's set taken aside by an invalidation, emptied chunk by chunk;
 * - `rc:gen`              the global invalidation generation.
 * A response computed while one of its tags was invalidated is not stored (it may be stale): the
 * store script compares the tag's generation with the generation read when the request started.
 *
 * On a Redis Cluster the keys a script or MGET touches together must share a slot, and one global
 * `rc:gen` would put the whole cache on one master. So the cache is split into shards, each a
 * complete copy of the layout above under the prefix `rc:{s<n>}:` (the hash tag puts a shard on
 * one slot, the shards spread over the masters): `rc:{s3}:r:<key>`, `rc:{s3}:gen`, `rc:{s3}:t:<tag>`…
 * All entries of one operation (its public and private ones) land in one shard, chosen from the
 * operation digest, so a lookup stays one MGET and a store one script. An invalidation marks its
 * tags in every shard. On one Redis there is one shard with prefix `rc:`: today's layout.
 * The scripts take the shard's prefix in ARGV[1]; their declared first key is in the shard, so the
 * cluster client sends them to the right master.
 */
const STORE_SCRIPT = `
local prefix = ARGV[1]
local startGen = tonumber(ARGV[4])
local users = ARGV[5]
for i = 6, #ARGV do
  local invalidatedAt = tonumber(redis.call('GET', prefix .. 'i:' .. ARGV[i]) or '-1')
  if invalidatedAt > startGen then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if users ~= '' then redis.call('SET', KEYS[2], users, 'EX', ARGV[3]) else redis.call('UNLINK', KEYS[2]) end
for i = 6, #ARGV do
  local tagKey = prefix .. 't:' .. ARGV[i]
  redis.call('SADD', tagKey, KEYS[1])
  if redis.call('TTL', tagKey) < tonumber(ARGV[3]) then redis.call('EXPIRE', tagKey, ARGV[3]) end
end
return 1
`;

/**
 * O(1) per tag, whatever a tag's set holds: bump the generation, mark each tag invalidated (so a
 * response computed before this cannot be stored after it) and move its set aside, atomically.
 * The sets moved aside are then emptied in bounded chunks outside any script (SSCAN + UNLINK), so
 * a tag held by a million responses never blocks the Redis that also carries the events.
 */
const MARK_SCRIPT = `
local prefix = ARGV[1]
local gen = redis.call('INCR', KEYS[1])
local moved = {}
for i = 2, #ARGV do
  redis.call('SET', prefix .. 'i:' .. ARGV[i], gen, 'EX', 3600)
  local tagKey = prefix .. 't:' .. ARGV[i]
  if redis.call('EXISTS', tagKey) == 1 then
    local aside = prefix .. 'd:' .. gen .. ':' .. ARGV[i]
    redis.call('RENAME', tagKey, aside)
    moved[#moved + 1] = aside
  end
end
return moved
`;

type ScriptedRedis = CacheRedis & {
  rcStore(
    key: string,
    usersKey: string,
    prefix: string,
    value: string,
    ttl: number,
    startGen: number,
    users: string,
    ...tags: string[]
  ): Promise<number>;
  rcMark(generationKey: string, prefix: string, ...tags: string[]): Promise<string[]>;
};

/** Shards of the cache on a Redis Cluster when not told otherwise: enough to spread over a few masters. */
export const defaultClusterShards = 16;

/** What a lookup found: the response JSON (or null), which entry it came from, the generation. */
export interface CacheLookup {
  hit: string | null;
  scope: 'private' | 'public' | null;
  generation: number;
}

/** A user id as it is kept in `rc:u:` (commas around every id, so a search cannot match a part). */
const userList = (ids: Iterable<string>) => {
  const list = [...ids];
  return list.length > 0 ? `,${list.join(',')},` : '';
};

export class ResponseStore {
  private readonly redis: ScriptedRedis;

  private readonly prefixes: string[];

  /**
   * `chunkSize`: keys dropped per SSCAN + UNLINK round of an invalidation. `shards`: 1 on one
   * Redis (today's `rc:` layout), `defaultClusterShards` on a cluster client.
   */
  constructor(
    redis: CacheRedis,
    private readonly chunkSize = 500,
    shards = redis.isCluster ? defaultClusterShards : 1,
  ) {
    redis.defineCommand('rcStore', { numberOfKeys: 2, lua: STORE_SCRIPT });
    redis.defineCommand('rcMark', { numberOfKeys: 1, lua: MARK_SCRIPT });
    this.redis = redis as ScriptedRedis;
    this.prefixes = shards <= 1 ? ['rc:'] : Array.from({ length: shards }, (_, shard) => `rc:{s${shard}}:`);
  }

  /**
   * The key prefix of an entry's shard. Entry keys end with the operation digest after their last
   * `|` (`responseCacheKey`), so an operation's public and private entries share a shard.
   */
  private prefixOf(entryKey: string): string {
    if (this.prefixes.length === 1) return this.prefixes[0]!;
    const operation = entryKey.slice(entryKey.lastIndexOf('|') + 1);
    return this.prefixes[stableHash(operation) % this.prefixes.length]!;
  }

  /**
   * The viewer's private response if there is one, else the public one, and the current
   * generation, in one round trip. THE place that decides the order (the response cache plugin and
   * any other reader call this): private first, so a signed-in viewer is never served the shared
   * answer once their own exists; and a public answer holding the viewer's own user is skipped
   * (an answer about themselves may differ: their drafts, their email), so they get their own.
   * `viewerId` defaults to none: pass it with `privateKey` (the keys come from `responseEntryKeys`).
   */
  async lookup(
    publicKey: string,
    privateKey: string | null,
    viewerId: string | null = null,
  ): Promise<CacheLookup> {
    const p = this.prefixOf(publicKey);
    const keys = privateKey
      ? [`${p}r:${privateKey}`, `${p}r:${publicKey}`, `${p}u:${publicKey}`]
      : [`${p}r:${publicKey}`];
    const values = await this.redis.mget(`${p}gen`, ...keys);
    const generation = Number(values[0] ?? 0);
    if (!privateKey) return { generation, hit: values[1] ?? null, scope: values[1] ? 'public' : null };
    const [own, shared, users] = [values[1] ?? null, values[2] ?? null, values[3] ?? ''];
    if (own !== null) return { generation, hit: own, scope: 'private' };
    if (shared !== null && !(viewerId && users.includes(`,${viewerId},`)))
      return { generation, hit: shared, scope: 'public' };
    return { generation, hit: null, scope: null };
  }

  /**
   * Stores a response with its tags unless one of them was invalidated since `startGeneration`.
   * `users`: for a public response, the users it holds (see `lookup`).
   */
  async store(
    key: string,
    value: string,
    ttlSeconds: number,
    startGeneration: number,
    tags: string[],
    users: Iterable<string> = [],
  ): Promise<boolean> {
    const p = this.prefixOf(key);
    const stored = await this.redis.rcStore(
      `${p}r:${key}`,
      `${p}u:${key}`,
      p,
      value,
      ttlSeconds,
      startGeneration,
      userList(users),
      ...tags,
    );
    return stored === 1;
  }

  /** Drops every response holding one of the tags (in every shard, side by side); returns how many. */
  async invalidate(tags: string[]): Promise<number> {
    if (tags.length === 0) return 0;
    const counts = await Promise.all(
      this.prefixes.map(async (p) => {
        const moved = await this.redis.rcMark(`${p}gen`, p, ...tags);
        let dropped = 0;
        for (const aside of moved) dropped += await this.dropMembers(p, aside);
        return dropped;
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /** Unlinks the responses a set names, one bounded chunk per round trip, then the set itself. */
  private async dropMembers(p: string, setKey: string): Promise<number> {
    let dropped = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.sscan(setKey, cursor, 'COUNT', this.chunkSize);
      cursor = next;
      for (let i = 0; i < keys.length; i += this.chunkSize) {
        const chunk = keys.slice(i, i + this.chunkSize);
        // The users list of a public response goes with it, in the same round trip.
        const results = await this.redis
          .pipeline()
          .unlink(...chunk)
          .unlink(...chunk.map((key) => `${p}u:${key.slice(`${p}r:`.length)}`))
          .exec();
        const [error, count] = results?.[0] ?? [null, 0];
        if (error) throw error;
        dropped += Number(count);
      }
    } while (cursor !== '0');
    await this.redis.unlink(setKey);
    return dropped;
  }
}
