import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventFields, partitionOf, partitionStreams, type DomainEvent } from '@aetherial/events';
import { createLogger } from '@aetherial/subgraph-kit';
import { startEventSource } from '../src/subscriptions/event-source.js';
import { startTestRedis, type TestRedis } from './fixtures/redis-server.js';
import { until } from './helpers.js';

/** Subscriptions read every partition of a partitioned event log (`EVENTS_PARTITIONS`). */
let redis: TestRedis;
let admin: Redis;

beforeAll(async () => {
  redis = await startTestRedis();
  admin = new Redis(redis.url);
});

afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

const event = (entityId: string, version: number): DomainEvent => ({
  eventId: randomUUID(),
  type: 'PostUpdated',
  entity: 'Post',
  entityId,
  version,
  occurredAt: new Date().toISOString(),
  payload: { id: entityId },
});

describe('event source over partitions', () => {
  it('delivers the events of every partition, each entity in order', async () => {
    const stream = `gateway-partitions-${randomUUID()}`;
    const partitions = 3;
    const streams = partitionStreams(stream, partitions);
    const delivered = new Map<string, number[]>();
    const source = startEventSource({
      redis: new Redis(redis.url),
      stream,
      partitions,
      log: createLogger('test', 'silent'),
      wants: () => true,
      blockMs: 100,
      deliver: async (e) => void delivered.set(e.entityId, [...(delivered.get(e.entityId) ?? []), e.version]),
    });
    try {
      await source.started;
      const entities = 30;
      for (let version = 1; version <= 5; version += 1)
        for (let i = 0; i < entities; i += 1) {
          const e = event(`p${i}`, version);
          await admin.xadd(streams[partitionOf(e.entity, e.entityId, partitions)]!, '*', ...eventFields(e));
        }
      await until(async () => [...delivered.values()].flat().length === entities * 5);
      expect(delivered.size).toBe(entities);
      for (const [entityId, versions] of delivered) expect(versions, entityId).toEqual([1, 2, 3, 4, 5]);
      // All three partitions were written to (and read from).
      expect((await Promise.all(streams.map((key) => admin.xlen(key)))).every((length) => length > 0)).toBe(
        true,
      );
    } finally {
      await source.stop();
    }
  });
});
