import { randomUUID } from 'node:crypto';
import { cacheTag } from '@aetherial/subgraph-kit';
import type { Prisma, CoreTx, OrderItemRow, OrderRow, ProductRow, UserRow } from './store.js';

/**
 * The domain events the core writes. Each is stored in the outbox in the same transaction as the
 * change; `version` is the entity's version after the change; payloads carry the new public state.
 */
export type CoreEventType =
  'UserCreated' | 'ProductCreated' | 'ProductUpdated' | 'OrderPlaced' | 'OrderStatusChanged';

export type UserPayload = { id: string; handle: string; displayName: string; createdAt: string };

export type ProductPayload = {
  id: string;
  sku: string;
  title: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  createdAt: string;
  updatedAt: string;
};

export type OrderPayload = {
  id: string;
  buyerId: string;
  status: string;
  totalCents: number;
  currency: string;
  createdAt: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
};

/** An order moved from one status to another (staff's updateOrderStatus, the buyer's cancelOrder). */
export type OrderStatusPayload = {
  id: string;
  buyerId: string;
  status: string;
  previousStatus: string;
  totalCents: number;
  currency: string;
  /** Who changed it: the buyer (cancelOrder) or a member of staff. */
  changedBy: string;
  /** The order's lines: a cancellation takes their units and revenue out of the sales (analytics). */
  items: OrderPayload['items'];
};

export type OutboxInsert = Prisma.OutboxEventCreateManyInput;

/** Never the email or password hash: events travel to other stores. */
export const userPayload = (user: UserRow): UserPayload => ({
  id: user.id,
  handle: user.handle,
  displayName: user.displayName,
  createdAt: user.createdAt.toISOString(),
});

export const productPayload = (product: ProductRow): ProductPayload => ({
  id: product.id,
  sku: product.sku,
  title: product.title,
  description: product.description,
  priceCents: product.priceCents,
  currency: product.currency,
  stock: product.stock,
  createdAt: product.createdAt.toISOString(),
  updatedAt: product.updatedAt.toISOString(),
});

export const orderPayload = (
  order: OrderRow,
  items: readonly Omit<OrderItemRow, 'orderId'>[],
): OrderPayload => ({
  id: order.id,
  buyerId: order.buyerId,
  status: order.status,
  totalCents: order.totalCents,
  currency: order.currency,
  createdAt: order.createdAt.toISOString(),
  items: items.map(({ productId, quantity, unitPriceCents }) => ({ productId, quantity, unitPriceCents })),
});

function outboxRow(
  type: CoreEventType,
  entity: 'User' | 'Product' | 'Order',
  entityId: string,
  version: number,
  payload: Prisma.InputJsonObject,
  occurredAt: Date,
): OutboxInsert {
  return { id: randomUUID(), type, entity, entityId, version, payload, occurredAt };
}

export const userCreated = (user: UserRow, occurredAt = new Date()): OutboxInsert =>
  outboxRow('UserCreated', 'User', user.id, user.version, userPayload(user), occurredAt);

export const productCreated = (product: ProductRow, occurredAt = new Date()): OutboxInsert =>
  outboxRow('ProductCreated', 'Product', product.id, product.version, productPayload(product), occurredAt);

export const productUpdated = (product: ProductRow, occurredAt = new Date()): OutboxInsert =>
  outboxRow('ProductUpdated', 'Product', product.id, product.version, productPayload(product), occurredAt);

export const orderPlaced = (
  order: OrderRow,
  items: readonly Omit<OrderItemRow, 'orderId'>[],
  occurredAt = new Date(),
): OutboxInsert =>
  outboxRow('OrderPlaced', 'Order', order.id, order.version, orderPayload(order, items), occurredAt);

export const orderStatusChanged = (
  order: OrderRow,
  items: readonly Omit<OrderItemRow, 'orderId'>[],
  previousStatus: string,
  changedBy: string,
  occurredAt = new Date(),
): OutboxInsert =>
  outboxRow(
    'OrderStatusChanged',
    'Order',
    order.id,
    order.version,
    {
      id: order.id,
      buyerId: order.buyerId,
      status: order.status,
      previousStatus,
      totalCents: order.totalCents,
      currency: order.currency,
      changedBy,
      items: orderPayload(order, items).items,
    } satisfies OrderStatusPayload,
    occurredAt,
  );

/** Writes events inside the caller's transaction: they commit or roll back with the change. */
export async function recordEvents(tx: CoreTx, events: OutboxInsert[]): Promise<void> {
  if (events.length > 0) await tx.outboxEvent.createMany({ data: events });
}

/**
 * What a core event makes stale in the gateway's cache beyond the entity itself (derived from the
 * stored row, so events already in the outbox get them too): a new user or product joins the root
 * lists of its type; an order moves the stock of every product it holds.
 */
export function coreCacheTags(type: string, payload: unknown): string[] {
  switch (type) {
    case 'UserCreated':
      return [cacheTag.list('User')];
    case 'ProductCreated':
      return [cacheTag.list('Product')];
    case 'OrderPlaced': {
      const items = (payload as Partial<OrderPayload> | null)?.items ?? [];
      return [cacheTag.list('Order'), ...items.map((item) => cacheTag.entity('Product', item.productId))];
    }
    default:
      return [];
  }
}
