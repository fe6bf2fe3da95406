import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCore } from '../src/seed.js';
import { queryCounter, seededRandom, startTestSubgraph, type TestSubgraph } from './helpers.js';

let subgraph: TestSubgraph;
let counter: ReturnType<typeof queryCounter>;
let seeded: Awaited<ReturnType<typeof seedCore>>;

beforeAll(async () => {
  subgraph = await startTestSubgraph();
  counter = queryCounter(subgraph.db);
  seeded = await seedCore({
    db: subgraph.db,
    users: 120,
    products: 60,
    orders: 150,
    random: seededRandom(7),
  });
});
afterAll(async () => {
  await subgraph?.stop();
});

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on User {
        id
        handle
        displayName
      }
      ... on Product {
        id
        sku
        stock
      }
    }
  }
`;

/** Resolves references the way the gateway does and returns the SQL statements it cost. */
async function resolveReferences(representations: { __typename: string; id: string }[]) {
  const { result, statements } = await counter.during(() =>
    subgraph.call<{ _entities: ({ id: string } | null)[] }>(ENTITIES, { representations }),
  );
  expect(result.errors).toBeUndefined();
  return { entities: result.data!._entities, statements };
}

describe('DataLoader batching, counted at the driver (Prisma query events)', () => {
  it('resolves 100 User references with as many SQL statements as 5', async () => {
    const five = await resolveReferences(
      seeded.userIds.slice(0, 5).map((id) => ({ __typename: 'User', id })),
    );
    const hundred = await resolveReferences(
      seeded.userIds.slice(0, 100).map((id) => ({ __typename: 'User', id })),
    );
    expect(five.entities.map((entity) => entity?.id)).toEqual(seeded.userIds.slice(0, 5));
    expect(hundred.entities.map((entity) => entity?.id)).toEqual(seeded.userIds.slice(0, 100));
    expect(hundred.statements).toHaveLength(five.statements.length);
    expect(hundred.statements).toHaveLength(1);
    expect(hundred.statements[0]).toMatch(/FROM "public"\."User" WHERE "public"\."User"\."id" IN/);
  });

  it('mixed User and Product references, duplicates and unknown ids: one statement per type, results in order', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const representations = [
      { __typename: 'Product', id: seeded.productIds[0]! },
      { __typename: 'User', id: seeded.userIds[3]! },
      { __typename: 'User', id: missing },
      { __typename: 'User', id: 'not-a-uuid' },
      { __typename: 'Product', id: seeded.productIds[1]! },
      { __typename: 'User', id: seeded.userIds[3]! },
    ];
    const { entities, statements } = await resolveReferences(representations);
    expect(entities.map((entity) => entity?.id ?? null)).toEqual([
      seeded.productIds[0],
      seeded.userIds[3],
      null,
      null,
      seeded.productIds[1],
      seeded.userIds[3],
    ]);
    expect(statements).toHaveLength(2);
  });

  it('orders with buyers, items and products: the same statements for 2 orders as for 30', async () => {
    // One buyer with 30 orders of 3 items each, written directly (this test is about reading).
    const buyerId = seeded.userIds[0]!;
    const base = Date.now();
    for (let index = 0; index < 30; index += 1) {
      await subgraph.db.order.create({
        data: {
          buyerId,
          totalCents: 3000,
          currency: 'EUR',
          createdAt: new Date(base - index * 1000),
          items: {
            create: [0, 1, 2].map((line) => ({
              productId: seeded.productIds[(index + line * 7) % 60]!,
              quantity: 1,
              unitPriceCents: 1000,
            })),
          },
        },
      });
    }
    const query = `query ($first: Int) { myOrders(first: $first) { edges { node { id totalCents buyer { handle } items { quantity product { sku title } } } } } }`;
    const two = await counter.during(() =>
      subgraph.call<{ myOrders: { edges: unknown[] } }>(query, { first: 2 }, buyerId),
    );
    const thirty = await counter.during(() =>
      subgraph.call<{ myOrders: { edges: unknown[] } }>(query, { first: 30 }, buyerId),
    );
    expect(two.result.data!.myOrders.edges).toHaveLength(2);
    expect(thirty.result.data!.myOrders.edges).toHaveLength(30);
    // The page, then one statement each for buyers, items and products.
    expect(two.statements).toHaveLength(4);
    expect(thirty.statements).toHaveLength(4);

    // The same through Order references, as the gateway fetches them from another subgraph's list.
    const orderIds = (await subgraph.db.order.findMany({ where: { buyerId }, select: { id: true } })).map(
      (order) => order.id,
    );
    const references = await counter.during(() =>
      subgraph.call<{ _entities: ({ id: string } | null)[] }>(
        `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id buyer { handle } items { quantity product { sku } } } } }`,
        { r: orderIds.map((id) => ({ __typename: 'Order', id })) },
        buyerId,
      ),
    );
    expect(references.result.data!._entities.map((entity) => entity?.id)).toEqual(orderIds);
    expect(references.statements).toHaveLength(4);
  });

  it("someone else's Order reference resolves to null", async () => {
    const order = await subgraph.db.order.findFirstOrThrow();
    const stranger = seeded.userIds.find((id) => id !== order.buyerId)!;
    const result = await subgraph.call<{ _entities: (object | null)[] }>(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }`,
      { r: [{ __typename: 'Order', id: order.id }] },
      stranger,
    );
    expect(result.data!._entities).toEqual([null]);
  });
});
