import { ReplyError } from 'ioredis';
import { startConsumer, type DomainEvent, type RunningConsumer, type EventsRedis } from '@aetherial/events';
import { cacheTag, type Logger } from '@aetherial/subgraph-kit';
import type { ResponseStore } from './response-store.js';

/**
 * Tags a domain event makes stale: always the entity itself, and what its writer says the change
 * touched (`cacheTags`: the lists it joined or left, the entities whose counters moved; spelled by
 * subgraph-kit's `cacheTag`). An event without them (a writer from before they existed) also drops
 * its type's root lists when it created or deleted an entity: broad, but never stale.
 */
export function tagsForEvent(event: DomainEvent): string[] {
  const tags = [cacheTag.entity(event.entity, event.entityId)];
  if (Array.isArray(event.cacheTags)) {
    for (const tag of event.cacheTags) if (typeof tag === 'string' && tag.length > 0) tags.push(tag);
  } else if (/(Created|Deleted|Placed)$/.test(event.type) || event.payload === null) {
    tags.push(cacheTag.list(event.entity));
  }
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
  redis: EventsRedis;
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
