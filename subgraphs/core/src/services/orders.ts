import { randomUUID } from 'node:crypto';
import { badUserInput } from '@aetherial/subgraph-kit';
import { orderPlaced, productUpdated, recordEvents } from '../events.js';
import type { PlaceOrderInput } from '../generated/graphql.js';
import type { CoreDb, CoreTx, OrderRow, ProductRow } from '../store.js';
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
