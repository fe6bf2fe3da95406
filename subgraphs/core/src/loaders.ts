import { byKeys, groupedByKeys } from '@aetherial/subgraph-kit';
import DataLoader from 'dataloader';
import {
  isUuid,
  type CoreDb,
  type OrderItemRow,
  type OrderRow,
  type ProductRow,
  type UserRow,
} from './store.js';

/**
 * Per-request loaders: every id asked for while resolving one response is fetched with one
 * `WHERE id IN (…)` query per entity type, however many entities the response holds.
 */
export interface CoreLoaders {
  userById: DataLoader<string, UserRow | null>;
  productById: DataLoader<string, ProductRow | null>;
  orderById: DataLoader<string, OrderRow | null>;
  /** An order's items, in product id order. */
  orderItemsByOrderId: DataLoader<string, OrderItemRow[]>;
}

/** Only UUIDs can match; anything else resolves to null without reaching the database. */
const validIds = (keys: readonly string[]): string[] => [...new Set(keys.filter(isUuid))];

export function createLoaders(db: CoreDb): CoreLoaders {
  return {
    userById: new DataLoader(async (keys) => {
      const ids = validIds(keys);
      const rows = ids.length === 0 ? [] : await db.user.findMany({ where: { id: { in: ids } } });
      return byKeys(keys, rows, (row) => row.id);
    }),
    productById: new DataLoader(async (keys) => {
      const ids = validIds(keys);
      const rows = ids.length === 0 ? [] : await db.product.findMany({ where: { id: { in: ids } } });
      return byKeys(keys, rows, (row) => row.id);
    }),
    orderById: new DataLoader(async (keys) => {
      const ids = validIds(keys);
      const rows = ids.length === 0 ? [] : await db.order.findMany({ where: { id: { in: ids } } });
      return byKeys(keys, rows, (row) => row.id);
    }),
    orderItemsByOrderId: new DataLoader(async (keys) => {
      const ids = validIds(keys);
      const rows =
        ids.length === 0
          ? []
          : await db.orderItem.findMany({ where: { orderId: { in: ids } }, orderBy: { productId: 'asc' } });
      return groupedByKeys(keys, rows, (row) => row.orderId);
    }),
  };
}
