import type { Viewer } from '@aetherial/subgraph-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES_BY_ROLE } from '../src/roles.js';
import { createProduct, firstError, signUpUser, startTestSubgraph, type TestSubgraph } from './helpers.js';

let subgraph: TestSubgraph;
let buyer: Viewer;
let stranger: Viewer;
let staff: Viewer;
beforeAll(async () => {
  subgraph = await startTestSubgraph();
  const customer = SCOPES_BY_ROLE.customer;
  buyer = { userId: (await signUpUser(subgraph, 'buyer')).id, scopes: customer };
  stranger = { userId: (await signUpUser(subgraph, 'stranger')).id, scopes: customer };
  staff = await subgraph.admin();
});
afterAll(async () => {
  await subgraph?.stop();
});

interface OrderData {
  id: string;
  status: string;
  items: { product: { id: string; stock: number } }[];
}
const ORDER_FIELDS = `id status items { product { id stock } }`;

async function placeOrder(productId: string, quantity: number): Promise<OrderData> {
  const result = await subgraph.call<{ placeOrder: OrderData }>(
    `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`,
    { input: { items: [{ productId, quantity }] } },
    buyer,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.placeOrder;
}

const updateStatus = (id: string, status: string, viewer: Viewer = staff) =>
  subgraph.call<{ updateOrderStatus: OrderData }>(
    `mutation($id: ID!, $status: OrderStatus!) { updateOrderStatus(id: $id, status: $status) { ${ORDER_FIELDS} } }`,
    { id, status },
    viewer,
  );
const cancel = (id: string, viewer: Viewer = buyer) =>
  subgraph.call<{ cancelOrder: OrderData }>(
    `mutation($id: ID!) { cancelOrder(id: $id) { ${ORDER_FIELDS} } }`,
    { id },
    viewer,
  );

const statusEvents = async (orderId: string) =>
  (
    await subgraph.db.outboxEvent.findMany({
      where: { entityId: orderId, type: 'OrderStatusChanged' },
      orderBy: { sequence: 'asc' },
    })
  ).map((event) => ({ version: event.version, payload: event.payload }));

describe('order status', () => {
  it('staff moves an order PLACED → PAID → SHIPPED, each change with its OrderStatusChanged event', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const order = await placeOrder(product.id, 2);
    expect((await updateStatus(order.id, 'PAID')).data?.updateOrderStatus.status).toBe('PAID');
    // The status it already has: nothing changes, nothing is recorded (a retried request).
    expect((await updateStatus(order.id, 'PAID')).data?.updateOrderStatus.status).toBe('PAID');
    expect((await updateStatus(order.id, 'SHIPPED')).data?.updateOrderStatus.status).toBe('SHIPPED');
    const common = {
      id: order.id,
      buyerId: buyer.userId,
      changedBy: staff.userId,
      currency: 'EUR',
      items: [{ productId: product.id, quantity: 2, unitPriceCents: 1000 }],
    };
    expect(await statusEvents(order.id)).toEqual([
      { version: 2, payload: { ...common, status: 'PAID', previousStatus: 'PLACED', totalCents: 2000 } },
      { version: 3, payload: { ...common, status: 'SHIPPED', previousStatus: 'PAID', totalCents: 2000 } },
    ]);
  });

  it('refuses transitions the order’s status does not allow, naming the argument', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const order = await placeOrder(product.id, 1);
    expect(firstError(await updateStatus(order.id, 'SHIPPED'))).toMatchObject({
      code: 'CONFLICT',
      field: 'status',
      message: expect.stringContaining(
        'is PLACED and cannot become SHIPPED (it can become PAID or CANCELLED)',
      ),
    });
    await updateStatus(order.id, 'CANCELLED');
    expect(firstError(await updateStatus(order.id, 'PAID'))).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('CANCELLED is final'),
    });
    expect(firstError(await updateStatus(order.id, 'BOGUS')).code).toBe('BAD_USER_INPUT');
  });

  it('is staff’s only: a customer token is FORBIDDEN, an unknown order NOT_FOUND', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const order = await placeOrder(product.id, 1);
    expect(firstError(await updateStatus(order.id, 'PAID', buyer))).toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('orders:write'),
    });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid'])
      expect(firstError(await updateStatus(id, 'PAID')).code).toBe('NOT_FOUND');
    expect(await statusEvents(order.id)).toEqual([]);
  });

  it('the buyer cancels a PLACED order: its stock comes back, with ProductUpdated', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const order = await placeOrder(product.id, 3);
    expect(order.items[0]!.product.stock).toBe(2);
    const cancelled = await cancel(order.id);
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelOrder).toMatchObject({
      status: 'CANCELLED',
      items: [{ product: { stock: 5 } }],
    });
    expect(await statusEvents(order.id)).toEqual([
      {
        version: 2,
        payload: expect.objectContaining({
          status: 'CANCELLED',
          previousStatus: 'PLACED',
          changedBy: buyer.userId,
          // What analytics takes out of the product's sales.
          items: [{ productId: product.id, quantity: 3, unitPriceCents: product.priceCents }],
        }),
      },
    ]);
    const restocked = await subgraph.db.outboxEvent.findFirst({
      where: { entityId: product.id, type: 'ProductUpdated' },
      orderBy: { sequence: 'desc' },
    });
    expect(restocked?.payload).toMatchObject({ stock: 5 });
    // Cancelling again changes nothing (the stock is not returned twice).
    expect((await cancel(order.id)).data?.cancelOrder.items[0]!.product.stock).toBe(5);
  });

  it('the buyer cannot cancel a paid order nor anyone else’s; anonymous is UNAUTHENTICATED', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const order = await placeOrder(product.id, 1);
    expect(firstError(await cancel(order.id, stranger))).toMatchObject({ code: 'NOT_FOUND' });
    expect(firstError(await subgraph.call(`mutation { cancelOrder(id: "${order.id}") { id } }`)).code).toBe(
      'UNAUTHENTICATED',
    );
    await updateStatus(order.id, 'PAID');
    expect(firstError(await cancel(order.id))).toMatchObject({
      code: 'CONFLICT',
      field: 'id',
      message: expect.stringContaining('only a PLACED order can be cancelled by its buyer'),
    });
    // Staff still can (a refund happens outside the graph), and the stock comes back.
    expect((await updateStatus(order.id, 'CANCELLED')).data?.updateOrderStatus.items[0]!.product.stock).toBe(
      5,
    );
  });

  it('a buyer’s cancel and staff’s payment at once: one wins, the other sees its status', async () => {
    const product = await createProduct(subgraph, { stock: 5 });
    const order = await placeOrder(product.id, 1);
    const [cancelled, paid] = await Promise.all([cancel(order.id), updateStatus(order.id, 'PAID')]);
    const outcomes = [
      cancelled.data?.cancelOrder.status ?? 'refused',
      paid.data?.updateOrderStatus.status ?? 'refused',
    ];
    // Either the cancel came first (payment refused: CANCELLED is final) or the payment did
    // (cancel refused: not PLACED any more). Never both.
    expect([
      ['CANCELLED', 'refused'],
      ['refused', 'PAID'],
    ]).toContainEqual(outcomes);
    expect(await statusEvents(order.id)).toHaveLength(1);
  });
});
