import { randomUUID } from 'node:crypto';
import { startOutboxRelay } from '@aetherial/events';
import { createLogger, eventLogHousekeeping } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../src/migrate.js';
import { createOutbox } from '../src/outbox.js';
import { ADMIN_DATABASE_URL, databaseUrl, startTestSubgraph, type TestSubgraph } from './helpers.js';

/** A database of its own: these tests count every row of the outbox. */
const DATABASE = 'aetherial_core_test_outbox_purge';
const HOUR_MS = 60 * 60 * 1000;

let subgraph: TestSubgraph;
const log = createLogger('core-outbox-purge-test', 'silent');

beforeAll(async () => {
  await ensureDatabase(ADMIN_DATABASE_URL, DATABASE);
  subgraph = await startTestSubgraph({ CORE_DATABASE_URL: databaseUrl(DATABASE) });
});
afterAll(async () => {
  await subgraph?.stop();
});
beforeEach(async () => {
  await subgraph.db.$executeRaw`TRUNCATE "OutboxEvent"`;
});

/** `count` outbox rows published `publishedHoursAgo` ago (null: not published yet), occurred a day ago. */
async function rows(count: number, publishedHoursAgo: number | null, label: string): Promise<void> {
  const publishedAt = publishedHoursAgo === null ? null : new Date(Date.now() - publishedHoursAgo * HOUR_MS);
  await subgraph.db.$executeRaw`
    INSERT INTO "OutboxEvent" ("type", "entity", "entityId", "version", "occurredAt", "payload", "publishedAt")
    SELECT ${label}, 'User', gen_random_uuid()::text, 1, now() - interval '1 day', NULL, ${publishedAt}::timestamptz
    FROM generate_series(1, ${count})`;
}

const countByType = async (): Promise<Record<string, number>> => {
  const counts = await subgraph.db.$queryRaw<{ type: string; count: bigint }[]>`
    SELECT "type", count(*) AS count FROM "OutboxEvent" GROUP BY "type"`;
  return Object.fromEntries(counts.map((row) => [row.type, Number(row.count)]));
};

describe('purging published outbox rows', () => {
  it('deletes rows published before the retention, in batches, and never an unpublished one', async () => {
    await rows(2500, 3, 'old');
    await rows(20, 0.5, 'recent');
    await rows(30, null, 'unpublished'); // occurred a day ago, still waiting for Redis
    // At most two batches of 1000 per call: a purge never holds the table in one huge delete.
    const outbox = createOutbox(subgraph.db, { maxPurgeBatches: 2 });
    const cutoff = new Date(Date.now() - HOUR_MS);
    expect(await outbox.purgePublished(cutoff, 1000)).toBe(2000);
    expect(await countByType()).toEqual({ old: 500, recent: 20, unpublished: 30 });
    expect(await outbox.purgePublished(cutoff, 1000)).toBe(500);
    expect(await outbox.purgePublished(cutoff, 1000)).toBe(0);
    expect(await countByType()).toEqual({ recent: 20, unpublished: 30 });
    // A zero retention purges every published row, still none of the unpublished.
    expect(await outbox.purgePublished(new Date(), 10)).toBe(20);
    expect(await countByType()).toEqual({ unpublished: 30 });
  });

  it('runs from the relay with the configured retention', async () => {
    await rows(40, 48, 'old');
    await rows(5, 1, 'recent');
    const stream = `aetherial:test:core-outbox-purge:${randomUUID()}`;
    const redis = new Redis(subgraph.config.REDIS_URL);
    const outbox = createOutbox(subgraph.db);
    // The environment's names: published rows are kept 24 hours by default.
    const housekeeping = eventLogHousekeeping(subgraph.config);
    expect(housekeeping.outboxRetentionMs).toBe(24 * HOUR_MS);
    const relay = startOutboxRelay({ outbox, redis, log, stream, housekeeping });
    try {
      // Its timer runs this every EVENTS_TRIM_INTERVAL_MS; the test does not wait for it.
      await relay.housekeep();
      expect(await countByType()).toEqual({ recent: 5 });
    } finally {
      await relay.stop();
      await outbox.close();
      await redis.del(stream, `${stream}:dead`);
      redis.disconnect();
    }
  });
});
