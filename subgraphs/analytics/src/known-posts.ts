import type { DomainEvent, EventsRedis } from '@aetherial/events';

/**
 * The posts analytics accepts views for, kept in a Redis hash (post id → version, negative once
 * deleted) by the recorder from content's events. A change applies only when its version is above
 * the stored one, so a redelivered or late PostCreated cannot bring a deleted post back.
 */
const APPLY_NEWER = `
for i = 1, #ARGV, 2 do
  local id = ARGV[i]
  local version = tonumber(ARGV[i + 1])
  local stored = tonumber(redis.call('HGET', KEYS[1], id) or '0')
  if math.abs(version) > math.abs(stored) then redis.call('HSET', KEYS[1], id, version) end
end
return 1`;

/** The Redis hash of the posts known in one database's key space. */
export const knownPostsKey = (keyPrefix: string): string => `${keyPrefix}:posts`;

/** The (id, signed version) changes of post events, in stream order; others give none. */
export function postChanges(events: readonly DomainEvent[]): [string, number][] {
  return events.flatMap((event): [string, number][] => {
    if (event.entity !== 'Post' || !Number.isInteger(event.version) || event.version < 1) return [];
    if (event.type === 'PostDeleted') return [[event.entityId, -event.version]];
    if (event.type === 'PostCreated' || event.type === 'PostUpdated')
      return [[event.entityId, event.version]];
    return [];
  });
}

export async function applyPostChanges(
  redis: EventsRedis,
  key: string,
  changes: readonly [string, number][],
): Promise<void> {
  if (changes.length === 0) return;
  await redis.eval(APPLY_NEWER, 1, key, ...changes.flatMap(([id, version]) => [id, String(version)]));
}
