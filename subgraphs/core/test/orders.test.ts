import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, firstError, signUpUser, startTestSubgraph, type TestSubgraph } from './helpers.js';

let subgraph: TestSubgraph;
let buyerId = '';
beforeAll(async () => {
  subgraph = await startTestSubgraph();
  buyerId = (await signUpUser(subgraph, 'buyer')).id;
});
afterAll(async () => {
  await subgraph?.stop();
});

const PLACE_ORDER = /* GraphQL */ `
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      id
      totalCents
      currency
      status
      createdAt
      buyer {
        id
        handle
      }
      items {
        quantity
        unitPriceCents
        product {
          id
          stock
        }
      }
    }
  }
`;

interface PlacedOrder {
  id: string;
  totalCents: number;
  currency: string;
  status: string;
  buyer: { id: string };
  items: { quantity: number; unitPriceCents: number; product: { id: string; stock: number } }[];
}

const placeOrder = (items: { productId: string; quantity: number }[], viewer: string | null = buyerId) =>
  subgraph.call<{ placeOrder: PlacedOrder }>(PLACE_ORDER, { input: { items } }, viewer);

/** Everything an order may touch, to show a failed one touched nothing. */
async function snapshot(productIds: string[]) {
  return {
    stock: (
      await subgraph.db.product.findMany({ where: { id: { in: productIds } }, orderBy: { id: 'asc' } })
    ).map((p) => [p.id, p.stock, p.version]),
    orders: await subgraph.db.order.count(),
    items: await subgraph.db.orderItem.count(),
    events: await subgraph.db.outboxEvent.count(),
  };
}

describe('placeOrder', () => {
  it('takes the stock, writes the order with its items and records OrderPlaced + ProductUpdated', async () => {
    const lamp = await createProduct(subgraph, { priceCents: 2500, stock: 5 });
    const mug = await createProduct(subgraph, { priceCents: 800, stock: 10 });
    const result = await placeOrder([
      { productId: lamp.id, quantity: 2 },
      { productId: mug.id, quantity: 3 },
    ]);
    expect(result.errors).toBeUndefined();
    const order = result.data!.placeOrder;
    expect(order).toMatchObject({
      totalCents: 2 * 2500 + 3 * 800,
      currency: 'EUR',
      status: 'PLACED',
      buyer: { id: buyerId },
    });
    const stockAfter = Object.fromEntries(order.items.map((item) => [item.product.id, item.product.stock]));
    expect(stockAfter).toEqual({ [lamp.id]: 3, [mug.id]: 7 });

    const events = await subgraph.db.outboxEvent.findMany({
      where: { entityId: { in: [order.id, lamp.id, mug.id] } },
      orderBy: { sequence: 'asc' },
    });
    expect(events.filter((event) => event.type === 'OrderPlaced')).toHaveLength(1);
    const orderEvent = events.find((event) => event.type === 'OrderPlaced')!;
    expect(orderEvent).toMatchObject({ entity: 'Order', entityId: order.id, version: 1 });
    expect(orderEvent.payload).toMatchObject({
      buyerId,
      totalCents: order.totalCents,
      items: expect.arrayContaining([{ productId: lamp.id, quantity: 2, unitPriceCents: 2500 }]),
    });
    const stockEvents = events.filter((event) => event.type === 'ProductUpdated');
    expect(
      stockEvents
        .map((event) => [event.entityId, event.version, (event.payload as { stock: number }).stock])
        .sort(),
    ).toEqual(
      [
        [lamp.id, 2, 3],
        [mug.id, 2, 7],
      ].sort(),
    );
  });

  it('is atomic: one line without stock leaves stock, orders, items and outbox untouched', async () => {
    const plenty = await createProduct(subgraph, { stock: 100 });
    const scarce = await createProduct(subgraph, { stock: 1 });
    const before = await snapshot([plenty.id, scarce.id]);
    // The line that succeeds first (either order of ids) must be rolled back when the other fails.
    const result = await placeOrder([
      { productId: plenty.id, quantity: 10 },
      { productId: scarce.id, quantity: 2 },
    ]);
    expect(result.data).toBeNull();
    expect(firstError(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items' });
    expect(firstError(result).message).toMatch(/insufficient stock/);
    expect(await snapshot([plenty.id, scarce.id])).toEqual(before);
  });

  it('an unknown product rolls back the lines before it', async () => {
    const product = await createProduct(subgraph, { stock: 3 });
    const before = await snapshot([product.id]);
    for (const unknown of ['ffffffff-ffff-4fff-bfff-ffffffffffff', '00000000-0000-4000-8000-000000000000']) {
      const result = await placeOrder([
        { productId: product.id, quantity: 1 },
        { productId: unknown, quantity: 1 },
      ]);
      expect(firstError(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items' });
      expect(firstError(result).message).toContain(`unknown product ${unknown}`);
    }
    expect(await snapshot([product.id])).toEqual(before);
  });

  it('validates the items', async () => {
    const product = await createProduct(subgraph, { stock: 3 });
    const cases: [{ productId: string; quantity: number }[], RegExp][] = [
      [[], /at least one item/],
      [[{ productId: product.id, quantity: 0 }], /quantity must be at least 1/],
      [[{ productId: product.id, quantity: -2 }], /quantity must be at least 1/],
      [
        [
          { productId: product.id, quantity: 1 },
          { productId: product.id, quantity: 1 },
        ],
        /more than once/,
      ],
      [[{ productId: 'not-a-uuid', quantity: 1 }], /unknown product/],
    ];
    for (const [items, message] of cases) {
      const result = await placeOrder(items);
      expect(firstError(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items' });
      expect(firstError(result).message).toMatch(message);
    }
    expect((await subgraph.db.product.findUniqueOrThrow({ where: { id: product.id } })).stock).toBe(3);
  });

  it('refuses items in different currencies', async () => {
    const euro = await createProduct(subgraph, { stock: 3, currency: 'EUR' });
    const dollar = await createProduct(subgraph, { stock: 3, currency: 'USD' });
    const before = await snapshot([euro.id, dollar.id]);
    const result = await placeOrder([
      { productId: euro.id, quantity: 1 },
      { productId: dollar.id, quantity: 1 },
    ]);
    expect(firstError(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items' });
    expect(await snapshot([euro.id, dollar.id])).toEqual(before);
  });

  it('needs a signed-in viewer whose account exists', async () => {
    const product = await createProduct(subgraph, { stock: 3 });
    expect(firstError(await placeOrder([{ productId: product.id, quantity: 1 }], null)).code).toBe(
      'UNAUTHENTICATED',
    );
    expect(
      firstError(
        await placeOrder([{ productId: product.id, quantity: 1 }], '00000000-0000-4000-8000-0000000000aa'),
      ).code,
    ).toBe('UNAUTHENTICATED');
  });
});

describe('placeOrder under concurrency (real parallel HTTP requests)', () => {
  it('two orders for the last item: exactly one succeeds, the other is told there is no stock', async () => {
    const product = await createProduct(subgraph, { stock: 1 });
    const other = await signUpUser(subgraph, 'rival');
    const results = await Promise.all([
      placeOrder([{ productId: product.id, quantity: 1 }], buyerId),
      placeOrder([{ productId: product.id, quantity: 1 }], other.id),
    ]);
    const succeeded = results.filter((result) => result.data?.placeOrder);
    const failed = results.filter((result) => result.errors);
    expect(succeeded).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect(firstError(failed[0]!)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items' });
    expect(firstError(failed[0]!).message).toMatch(/insufficient stock/);
    const stored = await subgraph.db.product.findUniqueOrThrow({ where: { id: product.id } });
    expect(stored.stock).toBe(0);
    expect(stored.version).toBe(2);
    expect(await subgraph.db.orderItem.count({ where: { productId: product.id } })).toBe(1);
  });

  it('20 concurrent orders for 5 in stock: exactly 5 succeed, stock ends at 0, versions have no gaps', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const buyers = await Promise.all(
      Array.from({ length: 4 }, (_, index) => signUpUser(subgraph, `crowd${index}`)),
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        placeOrder([{ productId: product.id, quantity: 1 }], buyers[index % buyers.length]!.id),
      ),
    );
    const succeeded = results.filter((result) => result.data?.placeOrder);
    const failed = results.filter((result) => result.errors);
    expect(succeeded).toHaveLength(5);
    expect(failed).toHaveLength(15);
    for (const result of failed) {
      expect(firstError(result)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'items' });
      expect(firstError(result).message).toMatch(/insufficient stock/);
    }
    const stored = await subgraph.db.product.findUniqueOrThrow({ where: { id: product.id } });
    expect(stored.stock).toBe(0);
    expect(stored.version).toBe(6);
    // Every successful order left exactly one stock event; their versions are 2..6 and their stock 4..0.
    const events = await subgraph.db.outboxEvent.findMany({
      where: { entityId: product.id, type: 'ProductUpdated' },
    });
    expect(events.map((event) => event.version).sort()).toEqual([2, 3, 4, 5, 6]);
    expect(events.map((event) => (event.payload as { stock: number }).stock).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(
      await subgraph.db.orderItem.aggregate({ where: { productId: product.id }, _sum: { quantity: true } }),
    ).toEqual({
      _sum: { quantity: 5 },
    });
  });

  it('orders crossing the same two products in opposite order do not deadlock', async () => {
    const a = await createProduct(subgraph, { stock: 50 });
    const b = await createProduct(subgraph, { stock: 50 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        placeOrder(
          index % 2 === 0
            ? [
                { productId: a.id, quantity: 1 },
                { productId: b.id, quantity: 1 },
              ]
            : [
                { productId: b.id, quantity: 1 },
                { productId: a.id, quantity: 1 },
              ],
        ),
      ),
    );
    expect(results.filter((result) => result.errors)).toEqual([]);
    const stock = await subgraph.db.product.findMany({ where: { id: { in: [a.id, b.id] } } });
    expect(stock.map((product) => product.stock)).toEqual([40, 40]);
  });
});

describe('reading orders', () => {
  it('order(id) is for its buyer only', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const placed = (await placeOrder([{ productId: product.id, quantity: 1 }])).data!.placeOrder;
    const query = `query ($id: ID!) { order(id: $id) { id totalCents buyer { id email } items { quantity product { id } } } }`;
    const mine = await subgraph.call<{ order: { id: string; buyer: { email: string | null } } }>(
      query,
      { id: placed.id },
      buyerId,
    );
    expect(mine.data!.order.id).toBe(placed.id);
    expect(mine.data!.order.buyer.email).not.toBeNull();
    const stranger = await signUpUser(subgraph, 'stranger');
    const theirs = await subgraph.call(query, { id: placed.id }, stranger.id);
    expect(theirs.data).toEqual({ order: null });
    expect(firstError(theirs).code).toBe('NOT_FOUND');
    expect(firstError(await subgraph.call(query, { id: placed.id })).code).toBe('UNAUTHENTICATED');
  });

  it("myOrders pages through the viewer's orders, newest first", async () => {
    const shopper = await signUpUser(subgraph, 'shopper');
    const product = await createProduct(subgraph, { stock: 20 });
    const placed: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      placed.push(
        (await placeOrder([{ productId: product.id, quantity: 1 }], shopper.id)).data!.placeOrder.id,
      );
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: {
        data?: {
          myOrders: {
            edges: { node: { id: string } }[];
            pageInfo: { hasNextPage: boolean; endCursor: string };
          };
        } | null;
      } = await subgraph.call(
        `query ($after: String) { myOrders(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after },
        shopper.id,
      );
      seen.push(...page.data!.myOrders.edges.map((edge) => edge.node.id));
      if (!page.data!.myOrders.pageInfo.hasNextPage) break;
      after = page.data!.myOrders.pageInfo.endCursor;
    }
    expect(seen).toEqual([...placed].reverse());
    expect(firstError(await subgraph.call(`{ myOrders { edges { cursor } } }`)).code).toBe('UNAUTHENTICATED');
  });
});
