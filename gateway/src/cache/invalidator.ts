import { ReplyError, type Redis } from 'ioredis';
import { startConsumer, type DomainEvent, type RunningConsumer } from '@aetherial/events';
import type { Logger } from '@aetherial/subgraph-kit';
import type { ResponseStore } from './response-store.js';

/**
 * Tags a domain event makes stale: always the entity itself; for a created or deleted entity also
 * its type, since any list of that type may have changed (cache-tags plugin in subgraph-kit).
 */
export function tagsForEvent(event: DomainEvent): string[] {
  const tags = [`${event.entity}:${event.entityId}`];
  if (/(Created|Deleted|Placed)$/.test(event.type) || event.payload === null) tags.push(event.entity);
  return tags;
}

/**
 * Consumer group `gateway-cache`: one gateway worker handles each event for the shared Redis cache.
 * The tags are dropped twice: at once, and again `readModelDelayMs` later. Read models (search,
 * semantic, social) apply the same event a little after the gateway sees it, and a response
 * computed from them in between (a search that does not find the new post yet) would otherwise
 * stay cached for its whole maxAge; the second drop bounds that window.
 */
export function startCacheInvalidator(options: {
  redis: Redis;
  store: ResponseStore;
  consumer: string;
  log: Logger;
  onInvalidated: (count: number) => void;
  readModelDelayMs: number;
}): Promise<RunningConsumer> {
  const later = new Set<NodeJS.Timeout>();
  const invalidate = async (tags: string[]) => options.onInvalidated(await options.store.invalidate(tags));
  const invalidateLater = (tags: string[]) => {
    const timer = setTimeout(() => {
      later.delete(timer);
      invalidate(tags).catch((error: unknown) =>
        options.log.warn({ err: (error as Error).message }, 'delayed cache invalidation failed'),
      );
    }, options.readModelDelayMs);
    later.add(timer);
  };
  return startConsumer({
    redis: options.redis,
    group: 'gateway-cache',
    consumer: options.consumer,
    log: options.log,
    startFrom: '$',
    // A timeout or lost connection of the cache Redis is waited out: dead-lettering the event would
    // leave its stale responses cached until their TTL. Only a script error is the event's fault.
    isTransient: (error) => !(error instanceof ReplyError),
    handle: async (events) => {
      const tags = [...new Set(events.flatMap(tagsForEvent))];
      await invalidate(tags);
      if (options.readModelDelayMs > 0) invalidateLater(tags);
    },
  }).then((consumer) => ({
    ...consumer,
    stop: async () => {
      for (const timer of later) clearTimeout(timer);
      later.clear();
      await consumer.stop();
    },
  }));
}
