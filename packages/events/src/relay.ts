import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { eventFields, eventsStream, type DomainEvent } from './event.js';

/** Where a subgraph keeps events written in the same transaction as its changes. */
export interface Outbox {
  /** Oldest unpublished events first, at most `limit`. */
  pending(limit: number): Promise<DomainEvent[]>;
  markPublished(eventIds: string[]): Promise<void>;
}

export interface RelayOptions {
  outbox: Outbox;
  redis: Redis;
  log: Logger;
  intervalMs?: number;
  batchSize?: number;
  stream?: string;
}

export interface RunningRelay {
  /** Publishes everything pending now (used by tests and on shutdown). */
  flush: () => Promise<number>;
  stop: () => Promise<void>;
}

/**
 * Publishes the outbox to Redis Streams. An event is marked published only after XADD succeeded,
 * so a crash in between publishes it again: delivery is at-least-once and consumers deduplicate by
 * entity version. One relay per subgraph instance; it runs batches one at a time, in order.
 */
export function startOutboxRelay({
  outbox,
  redis,
  log,
  intervalMs = 100,
  batchSize = 500,
  stream = eventsStream(),
}: RelayOptions): RunningRelay {
  let running: Promise<number> = Promise.resolve(0);
  let stopped = false;
  let failures = 0;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const publishBatch = async (): Promise<number> => {
    const events = await outbox.pending(batchSize);
    if (events.length === 0) return 0;
    const pipeline = redis.pipeline();
    for (const event of events) pipeline.xadd(stream, '*', ...eventFields(event));
    const results = await pipeline.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
    await outbox.markPublished(events.map((event) => event.eventId));
    return events.length;
  };

  const flush = (): Promise<number> => {
    running = running.then(async () => {
      let total = 0;
      for (let published = await publishBatch(); published > 0; published = await publishBatch())
        total += published;
      return total;
    });
    return running;
  };

  const tick = async () => {
    while (!stopped) {
      try {
        await flush();
        failures = 0;
      } catch (error) {
        failures += 1;
        // Redis or the store is down: keep the events in the outbox and retry with backoff.
        if (failures === 1 || failures % 50 === 0)
          log.warn({ err: error, failures }, 'outbox relay could not publish; will retry');
        running = Promise.resolve(0);
      }
      await sleep(failures === 0 ? intervalMs : Math.min(5000, intervalMs * 2 ** failures));
    }
  };
  const loop = tick();

  return {
    flush,
    stop: async () => {
      stopped = true;
      wake?.(); // do not wait out the poll interval or a backoff
      await loop;
      await running.catch(() => 0);
    },
  };
}
