import { randomUUID } from 'node:crypto';
import { parseEventFields, startOutboxRelay, type DomainEvent, type Outbox } from '@aetherial/events';
import { createLogger } from '@aetherial/subgraph-kit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOutbox } from '../src/outbox.js';
import { truncateCore } from '../src/seed.js';
import {
  createProduct,
  promote,
  signUpUser,
  startTestSubgraph,
  TEST_DATABASE,
  type TestSubgraph,
} from './helpers.js';

let subgraph: TestSubgraph;
let redis: Redis;
let stream = '';
const log = createLogger('core-outbox-test', 'silent');

beforeAll(async () => {
  subgraph = await startTestSubgraph();
  redis = new Redis(subgraph.config.REDIS_URL);
});
afterAll(async () => {
  await redis?.quit();
  await subgraph?.stop();
});
beforeEach(async () => {
  await truncateCore(subgraph.db);
  stream = `aetherial:test:core-outbox:${randomUUID()}`; // never the real stream
});
afterEach(async () => {
  await redis.del(stream);
});

const UPDATE_PRODUCT = `mutation ($id: ID!, $input: UpdateProductInput!) { updateProduct(id: $id, input: $input) { id } }`;
const PLACE_ORDER = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }`;

/** A little of everything through the API. */
async function makeChanges() {
  const alice = await signUpUser(subgraph, 'alice');
  const bob = await signUpUser(subgraph, 'bob');
  const aliceAdmin = await promote(subgraph, alice); // the catalogue needs an admin; no event of its own
  const kettle = await createProduct(subgraph, { stock: 10 }, aliceAdmin);
  const lamp = await createProduct(subgraph, { stock: 2 }, aliceAdmin);
  await subgraph.call(UPDATE_PRODUCT, { id: kettle.id, input: { priceCents: 1500 } }, aliceAdmin);
  await subgraph.call(
    PLACE_ORDER,
    {
      input: {
        items: [
          { productId: kettle.id, quantity: 2 },
          { productId: lamp.id, quantity: 1 },
        ],
      },
    },
    bob.id,
  );
  await subgraph.call(PLACE_ORDER, { input: { items: [{ productId: lamp.id, quantity: 1 }] } }, alice.id);
  // Fails (no stock left): must leave no event.
  await subgraph.call(
    PLACE_ORDER,
    {
      input: {
        items: [
          { productId: kettle.id, quantity: 1 },
          { productId: lamp.id, quantity: 1 },
        ],
      },
    },
    bob.id,
  );
  await subgraph.call(UPDATE_PRODUCT, { id: lamp.id, input: { stock: 5 } }, aliceAdmin);
}

async function streamEvents(): Promise<DomainEvent[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([, fields]) => parseEventFields(fields));
}

describe('outbox', () => {
  it('every change has exactly one event, versions 1..n per entity with no gaps', async () => {
    await makeChanges();
    const events = await subgraph.db.outboxEvent.findMany({ orderBy: { sequence: 'asc' } });
    const versions = new Map<string, number[]>();
    for (const event of events)
      versions.set(`${event.entity}:${event.entityId}`, [
        ...(versions.get(`${event.entity}:${event.entityId}`) ?? []),
        event.version,
      ]);

    const entities = [
      ...(await subgraph.db.user.findMany()).map((row) => [`User:${row.id}`, row.version] as const),
      ...(await subgraph.db.product.findMany()).map((row) => [`Product:${row.id}`, row.version] as const),
      ...(await subgraph.db.order.findMany()).map((row) => [`Order:${row.id}`, row.version] as const),
    ];
    expect(entities).toHaveLength(2 + 2 + 2);
    expect(versions.size).toBe(entities.length); // no event for something that does not exist
    for (const [key, version] of entities) {
      expect(versions.get(key), key).toEqual(Array.from({ length: version }, (_, index) => index + 1));
    }
    // kettle: created, repriced, one order -> 3; lamp: created, two orders, restocked -> 4.
    expect(
      (await subgraph.db.product.findMany({ orderBy: { stock: 'asc' } }))
        .map((product) => product.version)
        .sort(),
    ).toEqual([3, 4]);
    expect(events.map((event) => event.type)).toEqual([
      'UserCreated',
      'UserCreated',
      'ProductCreated',
      'ProductCreated',
      'ProductUpdated',
      'OrderPlaced',
      'ProductUpdated',
      'ProductUpdated',
      'OrderPlaced',
      'ProductUpdated',
      'ProductUpdated',
    ]);
  });

  it('the relay publishes every event once, in sequence order, and marks it published', async () => {
    await makeChanges();
    const relay = startOutboxRelay({ outbox: createOutbox(subgraph.db), redis, log, stream, intervalMs: 20 });
    try {
      await relay.flush();
    } finally {
      await relay.stop();
    }
    const stored = await subgraph.db.outboxEvent.findMany({ orderBy: { sequence: 'asc' } });
    const published = await streamEvents();
    expect(published.map((event) => event.eventId)).toEqual(stored.map((event) => event.id));
    expect(stored.every((event) => event.publishedAt !== null)).toBe(true);
    expect(published[0]).toMatchObject({
      type: 'UserCreated',
      entity: 'User',
      version: 1,
      payload: { handle: expect.any(String) },
    });
    expect(JSON.stringify(published)).not.toMatch(/passwordHash|argon2|@example\.test/);
  });

  it('a relay that fails between XADD and markPublished publishes the batch again instead of losing it', async () => {
    await makeChanges();
    const outbox = createOutbox(subgraph.db);
    let crashes = 1;
    const crashingOutbox: Outbox = {
      pending: (limit) => outbox.pending(limit),
      markPublished: async (ids) => {
        if (crashes-- > 0) throw new Error('simulated crash after XADD');
        return outbox.markPublished(ids);
      },
    };
    const relay = startOutboxRelay({ outbox: crashingOutbox, redis, log, stream, intervalMs: 20 });
    try {
      await expect(relay.flush()).rejects.toThrow('simulated crash');
      expect(await subgraph.db.outboxEvent.count({ where: { publishedAt: null } })).toBe(11);
      await relay.flush();
    } finally {
      await relay.stop();
      await outbox.close();
    }
    const published = await streamEvents();
    const stored = await subgraph.db.outboxEvent.findMany({ orderBy: { sequence: 'asc' } });
    expect(published).toHaveLength(2 * stored.length); // at-least-once: the failed batch went out twice
    expect(new Set(published.map((event) => event.eventId))).toEqual(
      new Set(stored.map((event) => event.id)),
    );
    expect(stored.every((event) => event.publishedAt !== null)).toBe(true);
  });

  it('a claim whose connection dies (process crash) returns its events to the outbox', async () => {
    await makeChanges();
    const crashing = createOutbox(subgraph.db);
    const claimed = await crashing.pending(4);
    expect(claimed).toHaveLength(4);
    // Kill the claiming session the way a crashed process would lose it.
    const { rows } = await (async () => ({
      rows: await subgraph.db.$queryRaw<{ pid: number }[]>`
        SELECT pid FROM pg_stat_activity
        WHERE datname = ${TEST_DATABASE} AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
    }))();
    expect(rows).toHaveLength(1);
    await subgraph.db.$queryRaw`SELECT pg_terminate_backend(${rows[0]!.pid}::int)`;
    await expect(crashing.markPublished(claimed.map((event) => event.eventId))).rejects.toThrow();

    const survivor = createOutbox(subgraph.db);
    const again = await survivor.pending(100);
    expect(again.slice(0, 4).map((event) => event.eventId)).toEqual(claimed.map((event) => event.eventId));
    await survivor.markPublished(again.map((event) => event.eventId));
    expect(await subgraph.db.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
  });

  it('two relays never claim the same events (FOR UPDATE SKIP LOCKED)', async () => {
    await makeChanges();
    const first = createOutbox(subgraph.db);
    const second = createOutbox(subgraph.db);
    const a = await first.pending(5);
    const b = await second.pending(100);
    expect(a).toHaveLength(5);
    expect(b).toHaveLength(6);
    expect(a.map((event) => event.eventId).filter((id) => b.some((other) => other.eventId === id))).toEqual(
      [],
    );
    // Giving up a claim (close) leaves its events pending; confirming marks them.
    await first.close();
    await second.markPublished(b.map((event) => event.eventId));
    const left = await subgraph.db.outboxEvent.findMany({
      where: { publishedAt: null },
      orderBy: { sequence: 'asc' },
    });
    expect(left.map((event) => event.id)).toEqual(a.map((event) => event.eventId));
  });

  it('the subgraph started with CORE_OUTBOX_RELAY publishes its changes on its own', async () => {
    const previousStream = process.env.EVENTS_STREAM;
    process.env.EVENTS_STREAM = stream;
    const withRelay = await startTestSubgraph({ CORE_OUTBOX_RELAY: 'true' });
    try {
      expect(withRelay.running.relay).not.toBeNull();
      const user = await signUpUser(withRelay, 'relayed');
      const deadline = Date.now() + 10_000;
      let published: DomainEvent[] = [];
      while (published.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        published = await streamEvents();
      }
      expect(published).toEqual([
        // A sign-up changes the root lists of users, nothing else cached (coreCacheTags).
        expect.objectContaining({ type: 'UserCreated', entityId: user.id, version: 1, cacheTags: ['User'] }),
      ]);
      const ready = await fetch(withRelay.running.url.replace('/graphql', '/ready'));
      expect(ready.status).toBe(200);
    } finally {
      await withRelay.stop();
      if (previousStream === undefined) delete process.env.EVENTS_STREAM;
      else process.env.EVENTS_STREAM = previousStream;
    }
    expect(await subgraph.db.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
  });

  it('an empty outbox answers an empty batch', async () => {
    const outbox = createOutbox(subgraph.db);
    expect(await outbox.pending(10)).toEqual([]);
    await outbox.close();
  });
});
