import { randomUUID } from 'node:crypto';
import { badUserInput, conflict, notFound } from '@aetherial/subgraph-kit';
import { orderPlaced, orderStatusChanged, productUpdated, recordEvents } from '../events.js';
import type { OrderStatus, PlaceOrderInput } from '../generated/graphql.js';
import {
  isUuid,
  type CoreDb,
  type CoreTx,
  type OrderItemRow,
  type OrderRow,
  type ProductRow,
} from '../store.js';
import { validateOrderLines, type OrderLine } from '../validation.js';

const MAX_TOTAL_CENTS = 2 ** 31 - 1;

/**
 * Takes the stock of one line with a single conditional UPDATE. The row lock it takes makes a
 * concurrent order for the same product wait, and PostgreSQL re-checks `stock >= quantity` on the
 * row as committed by that order, so stock can never be oversold or go negative.
 */
async function takeStock(tx: CoreTx, line: OrderLine): Promise<ProductRow> {
  const rows = await tx.$queryRaw<ProductRow[]>`
    UPDATE "Product"
    SET "stock" = "stock" - ${line.quantity}, "version" = "version" + 1, "updatedAt" = now()
    WHERE "id" = ${line.productId}::uuid AND "stock" >= ${line.quantity}
    RETURNING "id", "sku", "title", "description", "priceCents", "currency", "stock", "version", "createdAt", "updatedAt"`;
  const product = rows[0];
  if (rows.length === 1 && product) return product;
  const existing = await tx.product.findUnique({ where: { id: line.productId }, select: { stock: true } });
  if (!existing) throw badUserInput('items', `unknown product ${line.productId}`);
  throw badUserInput(
    'items',
    `insufficient stock for product ${line.productId}: ${existing.stock} left, ${line.quantity} requested`,
  );
}

/**
 * Places an order in ONE transaction: stock taken for every line, the order and its items written,
 * OrderPlaced and one ProductUpdated per product recorded — or, on any error, nothing at all.
 */
export async function placeOrder(db: CoreDb, buyerId: string, input: PlaceOrderInput): Promise<OrderRow> {
  const lines = validateOrderLines(input.items);
  return db.$transaction(async (tx) => {
    const products: ProductRow[] = [];
    for (const line of lines) products.push(await takeStock(tx, line));
    const currencies = new Set(products.map((product) => product.currency));
    if (currencies.size > 1) {
      throw badUserInput(
        'items',
        `all items must share one currency, got ${[...currencies].sort().join(', ')}`,
      );
    }
    const items = lines.map((line, index) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPriceCents: products[index]!.priceCents,
    }));
    const totalCents = items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0);
    if (totalCents > MAX_TOTAL_CENTS)
      throw badUserInput('items', 'order total is too large; split the order');
    const order = await tx.order.create({
      data: {
        id: randomUUID(),
        buyerId,
        totalCents,
        currency: products[0]!.currency,
        items: { createMany: { data: items } },
      },
    });
    const now = new Date();
    await recordEvents(tx, [
      orderPlaced(order, items, now),
      ...products.map((product) => productUpdated(product, now)),
    ]);
    return order;
  });
}

/**
 * Where an order may go from each status: paid, then shipped; cancelled before it ships (a paid
 * one is refunded outside this graph). SHIPPED and CANCELLED are final.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PLACED: ['PAID', 'CANCELLED'],
  PAID: ['SHIPPED', 'CANCELLED'],
  SHIPPED: [],
  CANCELLED: [],
};

/** Puts a cancelled order's units back on the shelf, one conditional-free UPDATE per product. */
async function returnStock(tx: CoreTx, items: readonly OrderItemRow[]): Promise<ProductRow[]> {
  const products: ProductRow[] = [];
  for (const item of items) {
    const rows = await tx.$queryRaw<ProductRow[]>`
      UPDATE "Product"
      SET "stock" = "stock" + ${item.quantity}, "version" = "version" + 1, "updatedAt" = now()
      WHERE "id" = ${item.productId}::uuid
      RETURNING "id", "sku", "title", "description", "priceCents", "currency", "stock", "version", "createdAt", "updatedAt"`;
    if (rows[0]) products.push(rows[0]);
  }
  return products;
}

/**
 * Moves an order to `status` in ONE transaction: the order row locked (a buyer's cancel and staff's
 * update of the same order queue up, and the second sees the first's status), the transition
 * checked, status and version written, the stock of a cancelled order returned, and
 * OrderStatusChanged (plus ProductUpdated for returned stock) recorded in the outbox. Setting the
 * status an order already has changes nothing and records nothing (a retried request).
 * `buyerId`: the change is the buyer's own (cancelOrder): anyone else's order is NOT_FOUND, and
 * only a PLACED one may be cancelled (checked under the lock: staff may have marked it paid since).
 */
export async function changeOrderStatus(
  db: CoreDb,
  request: { orderId: string; status: OrderStatus; changedBy: string; buyerId?: string },
): Promise<OrderRow> {
  const { orderId, status, changedBy, buyerId } = request;
  if (!isUuid(orderId)) throw notFound('Order', orderId);
  return db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ status: OrderStatus; buyerId: string }[]>`
      SELECT "status", "buyerId" FROM "Order" WHERE "id" = ${orderId}::uuid FOR UPDATE`;
    const current = locked[0];
    if (!current || (buyerId !== undefined && current.buyerId !== buyerId)) throw notFound('Order', orderId);
    if (current.status === status) return tx.order.findUniqueOrThrow({ where: { id: orderId } });
    if (buyerId !== undefined && current.status !== 'PLACED')
      throw conflict(
        'id',
        `order ${orderId} is ${current.status}: only a PLACED order can be cancelled by its buyer`,
      );
    const allowed = ORDER_TRANSITIONS[current.status];
    if (!allowed.includes(status))
      throw conflict(
        'status',
        `order ${orderId} is ${current.status} and cannot become ${status}` +
          (allowed.length > 0 ? ` (it can become ${allowed.join(' or ')})` : ` (${current.status} is final)`),
      );
    const order = await tx.order.update({
      where: { id: orderId },
      data: { status, version: { increment: 1 } },
    });
    // In product order: the stock updates of concurrent cancellations lock rows in one order.
    const items = await tx.orderItem.findMany({ where: { orderId }, orderBy: { productId: 'asc' } });
    const returned = status === 'CANCELLED' ? await returnStock(tx, items) : [];
    const now = new Date();
    await recordEvents(tx, [
      orderStatusChanged(order, items, current.status, changedBy, now),
      ...returned.map((product) => productUpdated(product, now)),
    ]);
    return order;
  });
}
