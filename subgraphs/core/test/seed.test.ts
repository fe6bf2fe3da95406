import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedCore, truncateCore } from '../src/seed.js';
import { queryCounter, seededRandom, startTestSubgraph, type TestSubgraph } from './helpers.js';

let subgraph: TestSubgraph;
let counter: ReturnType<typeof queryCounter>;
const now = new Date('2026-06-01T12:00:00.000Z');

beforeAll(async () => {
  subgraph = await startTestSubgraph();
  counter = queryCounter(subgraph.db);
});
afterAll(async () => {
  await subgraph?.stop();
});
beforeEach(async () => {
  await truncateCore(subgraph.db);
});

const seed = (seedValue: number, chunkSize = 1000) =>
  seedCore({
    db: subgraph.db,
    users: 120,
    products: 40,
    orders: 200,
    random: seededRandom(seedValue),
    now,
    chunkSize,
  });

async function dump() {
  const { db } = subgraph;
  return {
    users: await db.user.findMany({ orderBy: { id: 'asc' }, omit: { passwordHash: true } }),
    products: await db.product.findMany({ orderBy: { id: 'asc' } }),
    orders: await db.order.findMany({ orderBy: { id: 'asc' } }),
    items: await db.orderItem.findMany({ orderBy: [{ orderId: 'asc' }, { productId: 'asc' }] }),
    events: (await db.outboxEvent.findMany({ orderBy: { sequence: 'asc' } })).map(
      ({ type, entity, entityId, version, occurredAt, payload }) => ({
        type,
        entity,
        entityId,
        version,
        occurredAt,
        payload,
      }),
    ),
  };
}

describe('seedCore', () => {
  it('writes users, products and orders with one outbox event each, through chunked createMany', async () => {
    const { result, statements } = await counter.during(() => seed(1, 50));
    expect(result.userIds).toHaveLength(120);
    expect(result.productIds).toHaveLength(40);
    expect(result.orderIds).toHaveLength(200);
    const inserts = (table: string) =>
      statements.filter((sql) => sql.startsWith(`INSERT INTO "public"."${table}"`)).length;
    expect(inserts('User')).toBe(3); // 120 rows in chunks of 50
    expect(inserts('Product')).toBe(1);
    expect(inserts('Order')).toBe(4);
    expect(inserts('OutboxEvent')).toBe(Math.ceil((120 + 40 + 200) / 50));

    const { db } = subgraph;
    expect(await db.user.count()).toBe(120);
    expect(
      (await db.user.findMany({ orderBy: { handle: 'asc' }, take: 2 })).map((user) => [
        user.handle,
        user.email,
      ]),
    ).toEqual([
      ['user0001', 'user0001@example.com'],
      ['user0002', 'user0002@example.com'],
    ]);
    const byType = await db.outboxEvent.groupBy({
      by: ['type'],
      _count: { id: true },
      orderBy: { type: 'asc' },
    });
    expect(byType.map((group) => [group.type, group._count.id])).toEqual([
      ['OrderPlaced', 200],
      ['ProductCreated', 40],
      ['UserCreated', 120],
    ]);
    // Orders add up, stock stays non-negative, and each product's event describes its stored state.
    for (const order of await db.order.findMany({ include: { items: true } })) {
      expect(order.items.length).toBeGreaterThan(0);
      expect(order.totalCents).toBe(
        order.items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
      );
    }
    for (const product of await db.product.findMany()) {
      expect(product.stock).toBeGreaterThanOrEqual(0);
      const event = await db.outboxEvent.findFirstOrThrow({ where: { entityId: product.id } });
      expect(event.payload).toMatchObject({ stock: product.stock, priceCents: product.priceCents });
    }
  });

  it('is deterministic for a given random sequence and instant', async () => {
    const first = await seed(42);
    const firstDump = await dump();
    await truncateCore(subgraph.db);
    const second = await seed(42);
    expect(second).toEqual(first);
    expect(await dump()).toEqual(firstDump);
    await truncateCore(subgraph.db);
    expect((await seed(43)).userIds).not.toEqual(first.userIds);
  });

  it('demo users can log in with the shared demo password', async () => {
    await seed(5);
    const result = await subgraph.call<{ logIn: { user: { handle: string } } }>(
      `mutation ($input: LogInInput!) { logIn(input: $input) { user { handle } } }`,
      { input: { login: 'user0007', password: DEMO_PASSWORD } },
    );
    expect(result.data!.logIn.user.handle).toBe('user0007');
  });
});
