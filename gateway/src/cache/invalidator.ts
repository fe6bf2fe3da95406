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

/** Consumer group `gateway-cache`: one gateway worker handles each event for the shared Redis cache. */
export function startCacheInvalidator(options: {
  redis: Redis;
  store: ResponseStore;
  consumer: string;
  log: Logger;
  onInvalidated: (count: number) => void;
}): Promise<RunningConsumer> {
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
      options.onInvalidated(await options.store.invalidate(tags));
    },
  });
}
