import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startConsumer } from '../src/consumer.js';
import type { DomainEvent } from '../src/event.js';
import {
  claimPartitionLayout,
  partitionLayoutKey,
  PartitionLayoutError,
  setPartitionLayout,
} from '../src/partition-layout.js';
import { partitionStreams } from '../src/partitions.js';
import { startOutboxRelay, type Outbox } from '../src/relay.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const log = pino({ level: 'silent' });
const keys: string[] = [];

afterAll(async () => {
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function newLog(): string {
  const stream = `events-test:layout:${randomUUID()}`;
  keys.push(partitionLayoutKey(stream), ...partitionStreams(stream, 1), ...partitionStreams(stream, 3));
  return stream;
}

const event = (entityId: string): DomainEvent => ({
  eventId: randomUUID(),
  type: 'PostUpdated',
  entity: 'Post',
  entityId,
  version: 1,
  occurredAt: new Date().toISOString(),
  payload: { id: entityId, version: 1 },
});

class ListOutbox implements Outbox {
  constructor(public events: DomainEvent[]) {}
  async pending(limit: number) {
    return this.events.slice(0, limit);
  }
  async markPublished(ids: string[]) {
    this.events = this.events.filter((e) => !ids.includes(e.eventId));
  }
}

describe('the partition layout of the event log', () => {
  it('is recorded by the first process; the same count joins, another is refused naming both', async () => {
    const stream = newLog();
    await claimPartitionLayout(redis, stream, 1);
    expect(await redis.get(partitionLayoutKey(stream))).toBe('1');
    await claimPartitionLayout(redis, stream, 1);
    // Even on an empty log: a process never changes the count by starting with another one.
    await expect(claimPartitionLayout(redis, stream, 3)).rejects.toThrow(
      /EVENTS_PARTITIONS is 3, but the event log .* is split into 1 partitions/,
    );
    expect(await redis.get(partitionLayoutKey(stream))).toBe('1');
  });

  it('changes only by setPartitionLayout, refused while a group has not acknowledged an event', async () => {
    const stream = newLog();
    await claimPartitionLayout(redis, stream, 1);
    await redis.xgroup('CREATE', stream, 'reader', '0', 'MKSTREAM');
    const id = await redis.xadd(stream, '*', 'n', '1');
    await expect(setPartitionLayout(redis, stream, 3)).rejects.toThrow(/is not drained/);
    // Delivered but not acknowledged: still refused.
    await redis.xreadgroup('GROUP', 'reader', 'c1', 'COUNT', 10, 'STREAMS', stream, '>');
    await expect(setPartitionLayout(redis, stream, 3)).rejects.toThrow(PartitionLayoutError);
    await redis.xack(stream, 'reader', id!);
    expect(await setPartitionLayout(redis, stream, 3)).toBe(1);
    await claimPartitionLayout(redis, stream, 3);
    await expect(claimPartitionLayout(redis, stream, 1)).rejects.toThrow(PartitionLayoutError);
  });

  it('keeps a consumer of another count from starting', async () => {
    const stream = newLog();
    await claimPartitionLayout(redis, stream, 3);
    await expect(
      startConsumer({
        redis,
        stream,
        partitions: 1,
        group: 'g',
        consumer: 'c',
        log,
        handle: async () => undefined,
      }),
    ).rejects.toThrow(PartitionLayoutError);
  });

  it('keeps a relay of another count from publishing: the events stay in its outbox', async () => {
    const stream = newLog();
    await claimPartitionLayout(redis, stream, 3);
    const outbox = new ListOutbox([event('a'), event('b')]);
    const relay = startOutboxRelay({ outbox, redis, log, stream, partitions: 1, intervalMs: 10 });
    try {
      await expect(relay.flush()).rejects.toThrow(PartitionLayoutError);
      expect(outbox.events).toHaveLength(2);
      expect(await redis.exists(stream)).toBe(0);
    } finally {
      await relay.stop();
    }
  });
});
