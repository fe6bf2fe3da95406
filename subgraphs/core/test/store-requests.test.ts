import { scrapeStoreRequests } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCore } from '../src/seed.js';
import {
  createProduct,
  queryCounter,
  seededRandom,
  signUpUser,
  startTestSubgraph,
  type TestSubgraph,
} from './helpers.js';

let subgraph: TestSubgraph;
let counter: ReturnType<typeof queryCounter>;
let seeded: Awaited<ReturnType<typeof seedCore>>;

beforeAll(async () => {
  subgraph = await startTestSubgraph();
  counter = queryCounter(subgraph.db);
  seeded = await seedCore({ db: subgraph.db, users: 8, products: 6, orders: 6, random: seededRandom(11) });
});
afterAll(async () => {
  await subgraph?.stop();
});

/**
 * What one GraphQL request moved `store_requests_total{store="postgres"}` by, as /metrics shows
 * it, next to the statements Prisma's own query events reported for it.
 */
async function measure<T>(request: () => Promise<T>) {
  const before = await scrapeStoreRequests(subgraph.running.url, 'postgres');
  const { result, statements } = await counter.during(request);
  const after = await scrapeStoreRequests(subgraph.running.url, 'postgres');
  return { result, statements, trips: after - before };
}

describe('store_requests_total{store="postgres"} on /metrics', () => {
  it('moves by the one statement a batch of User references costs', async () => {
    const { result, statements, trips } = await measure(() =>
      subgraph.call<{ _entities: ({ id: string } | null)[] }>(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id handle } } }`,
        { r: seeded.userIds.slice(0, 5).map((id) => ({ __typename: 'User', id })) },
      ),
    );
    expect(result.data?._entities.map((user) => user?.id)).toEqual(seeded.userIds.slice(0, 5));
    expect(statements).toHaveLength(1);
    expect(trips).toBe(1);
  });

  it('moves by 4 for a page of orders with buyers, items and products', async () => {
    const { buyerId } = await subgraph.db.order.findFirstOrThrow({ where: { id: { in: seeded.orderIds } } });
    const { result, statements, trips } = await measure(() =>
      subgraph.call<{ myOrders: { edges: unknown[] } }>(
        `query { myOrders(first: 5) { edges { node { id buyer { handle } items { quantity product { sku } } } } } }`,
        {},
        buyerId,
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.myOrders.edges.length).toBeGreaterThan(0);
    expect(statements).toHaveLength(4);
    expect(trips).toBe(4);
  });

  it('counts the BEGIN of a transaction, which Prisma query events do not report', async () => {
    const buyer = await signUpUser(subgraph, 'trips');
    const product = await createProduct(subgraph, { stock: 5 });
    const placeOrder = (quantity: number) =>
      measure(() =>
        subgraph.call<{ placeOrder: { id: string } | null }>(
          `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id totalCents } }`,
          { input: { items: [{ productId: product.id, quantity }] } },
          buyer.id,
        ),
      );

    const placed = await placeOrder(2);
    expect(placed.result.errors).toBeUndefined();
    expect(placed.statements.filter((sql) => sql === 'COMMIT')).toHaveLength(1);
    expect(placed.statements.filter((sql) => sql === 'BEGIN')).toHaveLength(0);
    expect(placed.trips).toBe(placed.statements.length + 1);

    // Not enough stock: the transaction rolls back, and its round trips count all the same.
    const refused = await placeOrder(50);
    expect(refused.result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused.statements.filter((sql) => sql === 'ROLLBACK')).toHaveLength(1);
    expect(refused.trips).toBe(refused.statements.length + 1);
  });
});
